use super::*;

#[test]
fn istio_cluster_names_give_service_and_port() {
    assert_eq!(
        cluster_group(b"outbound|8080||cart.shop.svc.cluster.local"),
        (&b"cart.shop"[..], Some(8080))
    );
    assert_eq!(cluster_group(b"inbound|8000||"), (&b"inbound|8000||"[..], Some(8000)));
    assert_eq!(cluster_group(b"PassthroughCluster"), (&b"PassthroughCluster"[..], None));
}

#[test]
fn start_times_with_zones() {
    let t = |s: &[u8]| start_time(s).map(|t| t.to_string());
    assert_eq!(t(b"2022-03-11T09:58:37.960+0000"), t(b"2022-03-11T09:58:37.960Z"));
    assert_eq!(t(b"2022-03-11T11:58:37+02:00"), t(b"2022-03-11T09:58:37Z"));
    assert_eq!(t(b"05/12/2019T16:14:53+0000 1575562493"), t(b"2019-12-05T16:14:53Z"));
    assert_eq!(t(b"yesterday"), None);
}

//! Hints in the words of a log's own product, beside the general [`Class::hint`].

use crate::class::Class;
use crate::format::Format;

/// The hint for `class` in `format`'s own terms (IIS sub-statuses and WinHTTP codes,
/// Cloudflare's 52x codes), to show beside the general [`Class::hint`]; `None` when the
/// format has nothing to add.
///
/// ```
/// use logparse::{hint, Class, Format};
/// assert!(hint::for_format(Format::Iis, Class::ResponseTimeout).unwrap().contains("12002"));
/// assert_eq!(hint::for_format(Format::NginxError, Class::ResponseTimeout), None);
/// ```
pub fn for_format(format: Format, class: Class) -> Option<&'static str> {
    match format {
        Format::Iis => crate::iis::hint(class),
        Format::Cloudflare => crate::cloudflare::hint(class),
        _ => None,
    }
}

//! The values of format-specific fields, as `visit` gives them, and the helper the formats
//! write them with.

/// The value of a format-specific field, as given to [`Fields::visit`](crate::Fields::visit).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value<'a> {
    /// Text from the line (not necessarily UTF-8); always a sub-slice of the line.
    Text(&'a [u8]),
    /// A fixed name chosen by the parser, not taken from the line (e.g. the classification
    /// rule that matched).
    Label(&'static str),
    /// An unsigned integer.
    Uint(u64),
    /// A signed integer (e.g. `-1` timers).
    Int(i64),
    /// A decimal number (e.g. seconds with a fraction).
    Float(f64),
    /// A flag.
    Bool(bool),
    /// Several values of one field, in order (e.g. one per upstream attempt); `None` entries
    /// stand for `-`.
    List(Vec<Option<Value<'a>>>),
}

/// Writes the fields of a `visit` implementation, skipping the absent ones.
pub(crate) struct Emit<'f, 'a> {
    f: &'f mut dyn FnMut(&'static str, Value<'a>),
}

impl<'f, 'a> Emit<'f, 'a> {
    /// An emitter that passes present fields to `f`.
    pub(crate) fn new(f: &'f mut dyn FnMut(&'static str, Value<'a>)) -> Emit<'f, 'a> {
        Emit { f }
    }

    /// Any value.
    pub(crate) fn value(&mut self, name: &'static str, v: Value<'a>) {
        (self.f)(name, v);
    }

    /// Text from the line, when present.
    pub(crate) fn text(&mut self, name: &'static str, v: Option<&'a [u8]>) {
        if let Some(v) = v {
            (self.f)(name, Value::Text(v));
        }
    }

    /// An unsigned number, when present.
    pub(crate) fn uint(&mut self, name: &'static str, v: Option<impl Into<u64>>) {
        if let Some(v) = v {
            (self.f)(name, Value::Uint(v.into()));
        }
    }

    /// A signed number, when present.
    pub(crate) fn int(&mut self, name: &'static str, v: Option<impl Into<i64>>) {
        if let Some(v) = v {
            (self.f)(name, Value::Int(v.into()));
        }
    }

    /// A flag, written only when set.
    pub(crate) fn flag(&mut self, name: &'static str, v: bool) {
        if v {
            (self.f)(name, Value::Bool(true));
        }
    }

    /// A name chosen by the parser, when present.
    pub(crate) fn label(&mut self, name: &'static str, v: Option<&'static str>) {
        if let Some(v) = v {
            (self.f)(name, Value::Label(v));
        }
    }
}

//! Ids and type names, each stored once: a session repeats the same response and
//! item id on every delta, so entries keep a 4-byte number instead of a string.

use std::borrow::Cow;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;

/// Ids (response, item, call) under numbers starting at 1, so `Option<Id>` is 4 bytes.
#[derive(Debug, Default)]
pub(super) struct Ids {
    names: Vec<Arc<str>>,
    index: HashMap<Arc<str>, NonZeroU32>,
}

pub(super) type Id = NonZeroU32;

impl Ids {
    pub fn intern(&mut self, s: &str) -> Id {
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let name: Arc<str> = s.into();
        self.names.push(name.clone());
        // 4 billion distinct ids do not fit in memory first; saturate rather than wrap.
        let id = NonZeroU32::new(u32::try_from(self.names.len()).unwrap_or(u32::MAX))
            .unwrap_or(NonZeroU32::MIN);
        self.index.insert(name, id);
        id
    }

    pub fn name(&self, id: Id) -> &str {
        self.names.get(id.get() as usize - 1).map_or("", |s| s)
    }
}

/// Event type names: almost all are the protocol's static names, kept borrowed.
#[derive(Debug, Default)]
pub(super) struct Types {
    names: Vec<Cow<'static, str>>,
    index: HashMap<Cow<'static, str>, u32>,
}

impl Types {
    pub fn intern(&mut self, name: Cow<'static, str>) -> u32 {
        if let Some(&t) = self.index.get(&*name) {
            return t;
        }
        let t = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.clone());
        self.index.insert(name, t);
        t
    }

    pub fn name(&self, t: u32) -> &Cow<'static, str> {
        static UNKNOWN: Cow<'static, str> = Cow::Borrowed("(unknown type)");
        self.names.get(t as usize).unwrap_or(&UNKNOWN)
    }
}

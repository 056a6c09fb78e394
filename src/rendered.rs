//! What a render produces: one kit file, its path, module and hash, and its
//! bytes or (for a render an update reuses) where they are in the base
//! store. Owned here, below the renderer, so the plan and the store can
//! name a render without depending on how it was made.

/// One file of the kit, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Kit-relative, `/`-separated.
    pub path: String,
    /// The module that produced it (`ispo` for generated index files).
    pub module: String,
    pub body: Body,
    /// The SHA-256 of the bytes (hex), computed once: the state, the plan
    /// and the store all name the render by it.
    pub sha256: String,
    /// Committed as executable in the catalog: the kit file is too.
    pub executable: bool,
    /// The catalog path of the template (empty for generated files).
    pub template: String,
    /// In a layered catalog: the layer whose template made it.
    pub layer: Option<String>,
    /// In a layered catalog: the layers that amended its module.
    pub amended_by: Vec<String>,
}

/// A render's bytes, or where they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Bytes(Vec<u8>),
    /// Reused from the kit's base store, where it is named by the file's
    /// `sha256`, and not read from there yet (an update reads only the
    /// renders it compares or writes). `markers` are the fill-in markers it
    /// holds, `(id, line)`, as the render cache recorded them.
    Stored {
        markers: Vec<(String, usize)>,
    },
}

impl Body {
    /// The bytes, unless the render is reused and still in the store.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Body::Bytes(b) => Some(b),
            Body::Stored { .. } => None,
        }
    }
}

impl RenderedFile {
    /// The bytes, unless the render is reused and still in the store.
    pub fn bytes(&self) -> Option<&[u8]> {
        self.body.bytes()
    }

    /// The bytes of a render made without reuse (`init`, `give-back`),
    /// which are always at hand.
    pub fn made(&self) -> &[u8] {
        self.bytes()
            .expect("a render made without the render cache holds its bytes")
    }

    /// The fill-in markers the render holds, `(id, line)`.
    pub fn markers(&self) -> Vec<(String, usize)> {
        match &self.body {
            Body::Bytes(b) => markers_in(b),
            Body::Stored { markers } => markers.clone(),
        }
    }
}

/// The fill-in markers of some rendered bytes, `(id, line)`.
pub fn markers_in(bytes: &[u8]) -> Vec<(String, usize)> {
    std::str::from_utf8(bytes).map_or_else(
        |_| Vec::new(),
        |text| {
            crate::fill::scan(text)
                .into_iter()
                .map(|f| (f.id, f.line))
                .collect()
        },
    )
}

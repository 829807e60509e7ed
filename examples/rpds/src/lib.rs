//! A persistent hash map for Python: every change returns a new map that shares all untouched
//! nodes with the old one (path copying in a 32-way trie keyed by the Python hash).

use std::sync::Arc;

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

const BITS: u32 = 5;
const MASK: u64 = (1 << BITS) - 1;

/// A key and its value; shared, never copied, between map versions.
#[derive(Clone)]
struct Entry {
    hash: u64,
    pair: Arc<(Py<PyAny>, Py<PyAny>)>,
}

enum Node {
    /// 32 children, indexed by 5 bits of the hash.
    Branch(Vec<Option<Arc<Node>>>),
    /// Entries whose hashes are all equal.
    Leaf(Vec<Entry>),
}

fn index(hash: u64, shift: u32) -> usize {
    ((hash >> shift) & MASK) as usize
}

fn same_key(py: Python<'_>, entry: &Entry, hash: u64, key: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(entry.hash == hash && entry.pair.0.bind(py).eq(key)?)
}

/// Returns the new node and whether the map grew.
fn insert(
    py: Python<'_>,
    node: Option<&Arc<Node>>,
    shift: u32,
    entry: Entry,
) -> PyResult<(Arc<Node>, bool)> {
    match node.map(|n| n.as_ref()) {
        None => Ok((Arc::new(Node::Leaf(vec![entry])), true)),
        Some(Node::Leaf(entries)) if entries[0].hash == entry.hash => {
            let mut entries = entries.clone();
            let key = entry.pair.0.bind(py).clone();
            for slot in entries.iter_mut() {
                if same_key(py, slot, entry.hash, &key)? {
                    *slot = entry;
                    return Ok((Arc::new(Node::Leaf(entries)), false));
                }
            }
            entries.push(entry);
            Ok((Arc::new(Node::Leaf(entries)), true))
        }
        Some(Node::Leaf(entries)) => {
            // Two hashes meet: split into a branch holding the old leaf, then insert below it.
            let mut children = vec![None; 1 << BITS];
            children[index(entries[0].hash, shift)] = node.cloned();
            let branch = Arc::new(Node::Branch(children));
            insert(py, Some(&branch), shift, entry)
        }
        Some(Node::Branch(children)) => {
            let at = index(entry.hash, shift);
            let (child, grew) = insert(py, children[at].as_ref(), shift + BITS, entry)?;
            let mut children = children.clone();
            children[at] = Some(child);
            Ok((Arc::new(Node::Branch(children)), grew))
        }
    }
}

/// Returns None when the key is absent, else the new node (None when it became empty).
fn remove(
    py: Python<'_>,
    node: Option<&Arc<Node>>,
    shift: u32,
    hash: u64,
    key: &Bound<'_, PyAny>,
) -> PyResult<Option<Option<Arc<Node>>>> {
    match node.map(|n| n.as_ref()) {
        None => Ok(None),
        Some(Node::Leaf(entries)) => {
            for (at, entry) in entries.iter().enumerate() {
                if same_key(py, entry, hash, key)? {
                    let mut rest = entries.clone();
                    rest.remove(at);
                    return Ok(Some(if rest.is_empty() {
                        None
                    } else {
                        Some(Arc::new(Node::Leaf(rest)))
                    }));
                }
            }
            Ok(None)
        }
        Some(Node::Branch(children)) => {
            let at = index(hash, shift);
            match remove(py, children[at].as_ref(), shift + BITS, hash, key)? {
                None => Ok(None),
                Some(child) => {
                    let mut children = children.clone();
                    children[at] = child;
                    if children.iter().all(Option::is_none) {
                        Ok(Some(None))
                    } else {
                        Ok(Some(Some(Arc::new(Node::Branch(children)))))
                    }
                }
            }
        }
    }
}

fn find<'a>(
    py: Python<'_>,
    mut node: Option<&'a Arc<Node>>,
    hash: u64,
    key: &Bound<'_, PyAny>,
) -> PyResult<Option<&'a Entry>> {
    let mut shift = 0;
    while let Some(current) = node {
        match current.as_ref() {
            Node::Leaf(entries) => {
                for entry in entries {
                    if same_key(py, entry, hash, key)? {
                        return Ok(Some(entry));
                    }
                }
                return Ok(None);
            }
            Node::Branch(children) => {
                node = children[index(hash, shift)].as_ref();
                shift += BITS;
            }
        }
    }
    Ok(None)
}

fn collect<'a>(node: Option<&'a Arc<Node>>, out: &mut Vec<&'a Entry>) {
    match node.map(|n| n.as_ref()) {
        None => {}
        Some(Node::Leaf(entries)) => out.extend(entries.iter()),
        Some(Node::Branch(children)) => children.iter().for_each(|c| collect(c.as_ref(), out)),
    }
}

/// An immutable mapping; `insert` and `remove` return new maps.
#[pyclass(frozen, module = "rpds.rpds", mapping)]
struct HashTrieMap {
    root: Option<Arc<Node>>,
    size: usize,
}

impl HashTrieMap {
    fn entries(&self) -> Vec<&Entry> {
        let mut out = Vec::with_capacity(self.size);
        collect(self.root.as_ref(), &mut out);
        out
    }

    fn with(&self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        let hash = key.hash()? as u64;
        let entry = Entry { hash, pair: Arc::new((key.clone().unbind(), value.clone().unbind())) };
        let (root, grew) = insert(key.py(), self.root.as_ref(), 0, entry)?;
        Ok(HashTrieMap { root: Some(root), size: self.size + usize::from(grew) })
    }
}

#[pymethods]
impl HashTrieMap {
    #[new]
    #[pyo3(signature = (value = None))]
    fn new(value: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut map = HashTrieMap { root: None, size: 0 };
        if let Some(value) = value {
            let items = if value.hasattr("items")? { value.call_method0("items")? } else { value.clone() };
            for item in items.try_iter()? {
                let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
                map = map.with(&key, &value)?;
            }
        }
        Ok(map)
    }

    fn insert(&self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        self.with(key, value)
    }

    fn remove(&self, key: &Bound<'_, PyAny>) -> PyResult<Self> {
        match remove(key.py(), self.root.as_ref(), 0, key.hash()? as u64, key)? {
            Some(root) => Ok(HashTrieMap { root, size: self.size - 1 }),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    fn discard(&self, key: &Bound<'_, PyAny>) -> PyResult<Self> {
        match remove(key.py(), self.root.as_ref(), 0, key.hash()? as u64, key)? {
            Some(root) => Ok(HashTrieMap { root, size: self.size - 1 }),
            None => Ok(HashTrieMap { root: self.root.clone(), size: self.size }),
        }
    }

    #[pyo3(signature = (key, default = None))]
    fn get(&self, key: &Bound<'_, PyAny>, default: Option<Py<PyAny>>) -> PyResult<Py<PyAny>> {
        let py = key.py();
        Ok(match find(py, self.root.as_ref(), key.hash()? as u64, key)? {
            Some(entry) => entry.pair.1.clone_ref(py),
            None => default.unwrap_or_else(|| py.None()),
        })
    }

    fn __getitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = key.py();
        match find(py, self.root.as_ref(), key.hash()? as u64, key)? {
            Some(entry) => Ok(entry.pair.1.clone_ref(py)),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(find(key.py(), self.root.as_ref(), key.hash()? as u64, key)?.is_some())
    }

    fn __len__(&self) -> usize {
        self.size
    }

    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.entries().iter().map(|e| e.pair.0.clone_ref(py)))
    }

    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.entries().iter().map(|e| e.pair.1.clone_ref(py)))
    }

    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let pairs = self
            .entries()
            .iter()
            .map(|e| PyTuple::new(py, [e.pair.0.clone_ref(py), e.pair.1.clone_ref(py)]))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, pairs)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.keys(py)?.into_any().try_iter()?.into_any())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = Vec::with_capacity(self.size);
        for entry in self.entries() {
            parts.push(format!(
                "{}: {}",
                entry.pair.0.bind(py).repr()?,
                entry.pair.1.bind(py).repr()?
            ));
        }
        Ok(format!("HashTrieMap({{{}}})", parts.join(", ")))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<HashTrieMap>() else { return Ok(false) };
        let py = other.py();
        let other = other.get();
        if other.size != self.size {
            return Ok(false);
        }
        for entry in self.entries() {
            let key = entry.pair.0.bind(py);
            match find(py, other.root.as_ref(), entry.hash, key)? {
                Some(found) if found.pair.1.bind(py).eq(entry.pair.1.bind(py))? => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}

#[pymodule]
fn rpds(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<HashTrieMap>()?;
    Ok(())
}

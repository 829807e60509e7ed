//! Two functions whose answers the target's Python can check.

use pyo3::prelude::*;

/// The sum of two integers, computed in Rust.
#[pyfunction]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The target's pointer width as Rust sees it (32 on armhf).
#[pyfunction]
fn pointer_width() -> usize {
    usize::BITS as usize
}

#[pymodule]
fn plain_maturin(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(add, m)?)?;
    m.add_function(wrap_pyfunction!(pointer_width, m)?)?;
    Ok(())
}

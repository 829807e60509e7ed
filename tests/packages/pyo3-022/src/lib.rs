use pyo3::prelude::*;

#[pyfunction]
fn answer() -> u32 {
    42
}

#[pymodule]
fn pyo3_022(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(answer, m)?)
}

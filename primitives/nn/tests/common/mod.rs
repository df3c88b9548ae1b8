pub mod gen;
pub mod shapes;
pub mod wasm;

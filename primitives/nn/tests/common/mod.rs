pub mod gen;
pub mod wasm;

pub use modelchain_nn;

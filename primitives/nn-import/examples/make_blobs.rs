//! Regenerates the committed engine fixtures from the ONNX fixtures:
//! `primitives/nn/fixtures/digits_mlp.bin` (the quantized scikit-learn digits MLP the dev
//! chain registers at genesis) and `digits_test.bin` (its held-out test set).
//!
//! `cargo run --release -p modelchain-nn-import --example make_blobs`

use modelchain_nn_import::digits;

fn main() {
	let (model, test) = digits::quantized_digits().expect("quantize the digits fixtures");
	let out = std::path::PathBuf::from(
		std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
	)
	.join("../nn/fixtures");
	std::fs::write(out.join("digits_mlp.bin"), model.model.encode_blob()).expect("write model");
	std::fs::write(out.join("digits_test.bin"), test.encode_blob()).expect("write test set");
	println!(
		"digits_mlp.bin: {} bytes, cost {}; digits_test.bin: {} bytes, {} samples",
		model.model.encode_blob().len(),
		model.model.cost(),
		test.encode_blob().len(),
		test.samples().unwrap()
	);
}

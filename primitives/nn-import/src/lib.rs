//! Off-chain tooling for ModelChain's inference engine (std only): import ONNX graphs into
//! a float network, quantize it to [`modelchain_nn::Model`] with calibration data, and read
//! datasets from CSV and NumPy `.npy` files into [`modelchain_nn::Dataset`]s.
//!
//! Typical flow:
//! ```no_run
//! use modelchain_nn_import::*;
//! let imported = onnx::import_file("model.onnx", &ImportOptions::default()).unwrap();
//! let (shape, calib) = data::read_npy_f32("calib.npy").unwrap();
//! let rows: Vec<Vec<f32>> = calib.chunks(shape[1] as usize).map(|r| r.to_vec()).collect();
//! let q = quantize::quantize(&imported.network, &rows, &QuantConfig::default()).unwrap();
//! std::fs::write("model.bin", q.model.encode_blob()).unwrap();
//! ```

pub mod data;
mod error;
pub mod float;
pub mod onnx;
pub mod quantize;

pub use error::ImportError;
pub use float::{Cell, FloatLayer, FloatNetwork, FloatRecurrent, Task};
pub use modelchain_nn;
pub use onnx::{ImportOptions, Imported};
pub use quantize::{InputQuant, QuantConfig, Quantized};

/// The scikit-learn digits fixture, quantized exactly as the committed engine fixtures
/// are (shared by the `make_blobs` example and the tests that check those files).
pub mod digits {
	use std::path::PathBuf;

	use modelchain_nn::Dataset;

	use crate::{data, onnx, quantize, ImportError, ImportOptions, InputQuant, QuantConfig, Quantized};

	/// `primitives/nn-import/fixtures/<name>`.
	pub fn fixture(name: &str) -> PathBuf {
		std::path::PathBuf::from(
			std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
		)
		.join("fixtures")
		.join(name)
	}

	/// Pixels are `0..=16` divided by 16; scale 1/16 and zero point -128 represent them
	/// exactly: the quantized input is `pixel - 128`.
	pub const INPUT: InputQuant = InputQuant::Fixed { scale: 1.0 / 16.0, zero_point: -128 };

	/// The quantized digits MLP (per-channel weights, calibrated on 256 training images)
	/// and the quantized held-out test set.
	pub fn quantized_digits() -> Result<(Quantized, Dataset), ImportError> {
		let imported = onnx::import_file(fixture("digits_mlp.onnx"), &ImportOptions::default())?;
		let calib = data::read_npy_table(fixture("digits_calib_x.npy"))?;
		let config = QuantConfig { per_channel: true, input: INPUT };
		let q = quantize::quantize(&imported.network, &calib.to_rows(), &config)?;
		let test_x = data::read_npy_table(fixture("digits_test_x.npy"))?;
		let (_, test_y) = data::read_npy_file(fixture("digits_test_y.npy"))?;
		let test = data::class_dataset(&q.model.input, &test_x, &test_y)?;
		Ok((q, test))
	}
}

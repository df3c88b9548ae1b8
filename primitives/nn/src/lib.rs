//! ModelChain's deterministic fixed-point inference engine.
//!
//! Everything here is integer arithmetic with defined rounding and saturation, so a model
//! gives the same bits on every machine, natively and in wasm. No input bytes can make it
//! panic: blobs are decoded against explicit [`Bounds`] before anything is allocated, and
//! every arithmetic step is checked or saturating.
//!
//! - [`format`]: the model types and the blob layout; [`Model::decode_blob`] in `decode`.
//! - [`dot`]: the exact dot-product kernels (portable, AVX2, AVX-512 VNNI).
//! - [`layers`]: the integer kernels and the rounding rule; [`recurrent`]: the LSTM and GRU
//!   cells.
//! - `inference`: shape checking ([`Model::validate`]), [`Model::cost`], [`Model::run`].
//! - [`dataset`]: the test-set format and its chunking.
//! - [`metrics`]: accuracy and error metrics, their direction and tie rule.
//!
//! See the crate's README for the formats, rules and benchmark figures.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod dataset;
mod decode;
pub mod dot;
pub mod error;
pub mod format;
mod inference;
pub mod layers;
pub mod metrics;
pub mod recurrent;

pub use dataset::{Dataset, DatasetBounds, Label, Labels, DATASET_FORMAT_VERSION};
pub use error::Error;
pub use format::{
	Bounds, Conv2d, Dense, InputSpec, Layer, Lut, LutKind, MaxPool2d, Model, Output, OutputKind, Padding, Recurrent,
	Requant, MAX_BLOB_LEN, MAX_FAN_IN, MAX_RANK, MODEL_FORMAT_VERSION, REGRESSION_FRAC_BITS,
};
pub use inference::{
	argmax, Summary, ELEMENT_COST, GATE_COST, INPUT_ELEMENT_COST, LAYER_COST, OUTPUT_ELEMENT_COST, ROW_COST, RUN_COST,
	STEP_COST, WINDOW_COST, WRITE_COST,
};
pub use metrics::{Direction, Metric, MetricAccumulator};

//! The one error type of the engine.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Every way a model blob, a dataset blob, an input or an evaluation can be wrong.
///
/// It is SCALE-encodable and has a bounded encoding so a runtime can put it in an event or
/// a dispatch error unchanged. Variants that concern one layer carry its index (0-based, in
/// the order the layers run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub enum Error {
	/// The blob is longer than the bound allows.
	BlobTooLarge,
	/// The blob ended in the middle of a value.
	UnexpectedEnd,
	/// Bytes are left after the last value.
	TrailingBytes,
	/// The version byte is not one this engine understands.
	UnsupportedVersion {
		/// The version byte found.
		found: u8,
	},
	/// An enum tag (layer kind, output kind, label kind, ...) has no meaning.
	InvalidTag {
		/// The tag byte found.
		found: u8,
	},
	/// A SCALE compact length is malformed or does not fit in `u32`.
	InvalidLength,
	/// More layers than `Bounds::max_layers`.
	TooManyLayers,
	/// More parameters (weights, biases, requantizers, table entries) than `Bounds::max_parameters`.
	TooManyParameters,
	/// A tensor has more axes than `MAX_RANK`, or a layer got a tensor of the wrong rank.
	InvalidRank {
		/// The layer, or `u32::MAX` for the model input.
		layer: u32,
	},
	/// An axis, feature count, kernel or stride is zero.
	ZeroDimension {
		/// The layer, or `u32::MAX` for the model input.
		layer: u32,
	},
	/// An axis or feature count exceeds `Bounds::max_dimension`.
	DimensionTooLarge {
		/// The layer, or `u32::MAX` for the model input.
		layer: u32,
	},
	/// A tensor has more elements than `Bounds::max_tensor_len`.
	TensorTooLarge {
		/// The layer, or `u32::MAX` for the model input.
		layer: u32,
	},
	/// A dot product has more terms than `MAX_FAN_IN`.
	FanInTooLarge {
		/// The layer.
		layer: u32,
	},
	/// The model needs more multiply-accumulates than `Bounds::max_macs`.
	TooManyMacs,
	/// One inference costs more than `Bounds::max_cost` (multiply-accumulates plus
	/// element-wise and pooling work).
	CostTooHigh,
	/// A layer's declared input size does not match the tensor it receives.
	ShapeMismatch {
		/// The layer.
		layer: u32,
	},
	/// A weight or bias vector's length does not match the layer's shape.
	ParameterCountMismatch {
		/// The layer.
		layer: u32,
	},
	/// A requantizer list is neither of length 1 (per tensor) nor one per output channel.
	RequantCountMismatch {
		/// The layer.
		layer: u32,
	},
	/// A convolution or pooling kernel does not fit in the padded input, or a pooling
	/// padding is not smaller than its kernel.
	InvalidWindow {
		/// The layer.
		layer: u32,
	},
	/// The input passed to inference has the wrong number of elements.
	InputLengthMismatch {
		/// `Model::input_len()`.
		expected: u32,
		/// The length passed (saturated to `u32::MAX`).
		found: u32,
	},
	/// A dataset's inputs are not a whole number of samples, or its labels do not match
	/// its sample count.
	DatasetShapeMismatch,
	/// A dataset has more samples than `DatasetBounds::max_samples`.
	TooManySamples,
	/// A dataset (or an evaluation) has no samples.
	EmptyDataset,
	/// One sample is too large to fit in a chunk of the requested size.
	ChunkTooSmall,
	/// The metric does not fit the dataset's labels or the model's output kind, or the
	/// dataset's sample shape does not fit the model.
	MetricMismatch,
	/// A size computation overflowed.
	Overflow,
}

impl core::fmt::Display for Error {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		core::fmt::Debug::fmt(self, f)
	}
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

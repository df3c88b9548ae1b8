//! Valid model blobs of a chosen size, built in memory, for benchmarks and tests.
//!
//! The benchmarks need models whose blobs grow to `ModelBounds::max_blob_len` while staying
//! within every other bound and `MaxOutputLen`; a wide dense layer does that, since its
//! weights are one byte each and make up almost the whole blob.

// Benchmark and test support, never compiled into a block's code path: shapes are chosen by
// the caller within the bounds.
#![allow(clippy::arithmetic_side_effects)]

use alloc::{vec, vec::Vec};
use modelchain_nn::{Bounds, Dense, InputSpec, Layer, Model, OutputKind, Requant, MAX_FAN_IN};

/// Bytes of a [`dense_blob`] besides the first layer's weights and biases and the second
/// layer's weights: version, input spec, layer list, layer headers, vector length prefixes (up
/// to 4 bytes each), zero points, requantizers, the second layer's bias and the output tag.
const OVERHEAD: u32 = 72;

/// A hostile model with no multiply-accumulates at all: a `side × side` single-channel input
/// and `layers` max-pooling layers with a `kernel × kernel` window at stride 1 and padding
/// `kernel - 1` in all, so each keeps the tensor's size and compares `kernel²` values
/// per element. About 30 bytes a layer, a cost of `layers × side² × kernel²`.
pub fn pool_chain_model(side: u32, kernel: u32, layers: u32) -> Model {
	let pad = kernel.saturating_sub(1) / 2;
	let pool = Layer::MaxPool2d(modelchain_nn::MaxPool2d {
		kernel_h: kernel,
		kernel_w: kernel,
		stride_h: 1,
		stride_w: 1,
		padding: modelchain_nn::Padding { top: pad, left: pad, bottom: kernel - 1 - pad, right: kernel - 1 - pad },
	});
	let mut all = vec![pool; layers as usize];
	// One `side × side` window at the end leaves one value: a class output of one class, so
	// only the cost can stop it.
	all.push(Layer::MaxPool2d(modelchain_nn::MaxPool2d {
		kernel_h: side,
		kernel_w: side,
		stride_h: side,
		stride_w: side,
		padding: modelchain_nn::Padding::default(),
	}));
	all.push(Layer::Flatten);
	Model {
		input: InputSpec { shape: vec![1, side, side], scale: 1, scale_shift: 0, zero_point: 0 },
		layers: all,
		output: OutputKind::Class,
	}
}

/// A model with one dense layer of `in_features × out_features` weights and a class output.
pub fn dense_model(in_features: u32, out_features: u32) -> Model {
	Model {
		input: InputSpec { shape: vec![in_features], scale: 1, scale_shift: 0, zero_point: 0 },
		layers: vec![dense(in_features, out_features)],
		output: OutputKind::Class,
	}
}

fn dense(in_features: u32, out_features: u32) -> Layer {
	Layer::Dense(Dense {
		in_features,
		out_features,
		weights: (0..u64::from(in_features) * u64::from(out_features)).map(|i| (i % 251) as u8 as i8).collect(),
		bias: (0..out_features).map(|o| (o % 1_000) as i32).collect(),
		input_zero_point: 0,
		output_zero_point: 0,
		requant: vec![Requant { multiplier: 1 << 20, shift: 24 }],
	})
}

/// The blob of a valid model of at most `target_len` bytes and as close to it as the shape
/// allows (within `in_features + 5` bytes), that decodes within `bounds` (which must allow two
/// layers). Below about 80 bytes it returns the smallest such model.
///
/// Two dense layers, `in_features → hidden → 1`: the first carries almost all the bytes and
/// the single output fits any `MaxOutputLen`.
pub fn dense_blob(target_len: u32, bounds: &Bounds) -> Vec<u8> {
	let (in_features, hidden) = dense_shape(target_len, bounds);
	Model {
		input: InputSpec { shape: vec![in_features], scale: 1, scale_shift: 0, zero_point: 0 },
		layers: vec![dense(in_features, hidden), dense(hidden, 1)],
		output: OutputKind::Class,
	}
	.encode_blob()
}

/// The `(in_features, hidden)` [`dense_blob`] uses.
pub fn dense_shape(target_len: u32, bounds: &Bounds) -> (u32, u32) {
	let width = 1024.min(MAX_FAN_IN).min(bounds.max_dimension).min(bounds.max_tensor_len).max(1);
	let payload = target_len.saturating_sub(OVERHEAD);
	let in_features = width.min(payload.saturating_sub(5)).max(1);
	// Per hidden unit: a row of weights, a bias and a weight of the second layer.
	let per_hidden = u64::from(in_features) + 5;
	let by_params = bounds.max_parameters.saturating_sub(3) / (u64::from(in_features) + 2);
	let by_macs = bounds.max_macs / (u64::from(in_features) + 1);
	let hidden = (u64::from(payload) / per_hidden)
		.min(u64::from(bounds.max_dimension))
		.min(u64::from(bounds.max_tensor_len))
		.min(u64::from(MAX_FAN_IN))
		.min(by_params)
		.min(by_macs)
		.max(1);
	(in_features, hidden as u32)
}

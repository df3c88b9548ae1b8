//! The model format: the types a model blob encodes, the bounds it is checked against, and
//! the version byte.
//!
//! A model blob is `MODEL_FORMAT_VERSION` followed by the SCALE encoding of [`Model`]
//! (derived `Encode`, so the layout is exactly SCALE's: enums as a one-byte variant index,
//! vectors as a compact length then the items, integers little-endian). Decoding is done by
//! [`Model::decode_blob`], a hand-written reader that checks every length against
//! [`Bounds`] and against the bytes left before it allocates.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Version byte that starts every model blob this engine writes and reads.
pub const MODEL_FORMAT_VERSION: u8 = 1;

/// Largest model blob, in bytes: the size of one preimage on chain.
pub const MAX_BLOB_LEN: u32 = 4 * 1024 * 1024;

/// Most axes a tensor may have. Tensors are `[features]`, `[height, width]` or
/// `[channels, height, width]`; there is no batch axis, one input is one sample.
pub const MAX_RANK: usize = 3;

/// Most terms in one dot product (dense `in_features`, convolution
/// `in_channels * kernel_h * kernel_w`).
///
/// Each term is `weight * (input - zero_point)`, at most `128 * 255 = 32_640` in magnitude,
/// so `65_536` terms sum to at most `2_139_095_040 < i32::MAX`: the dot product is exact in
/// `i32` and never wraps. The bias is then added with saturation (see [`Requant`]).
pub const MAX_FAN_IN: u32 = 65_536;

/// Fractional bits of regression outputs, regression labels and the error metrics: a value
/// `v: i32` means `v / 65536`.
pub const REGRESSION_FRAC_BITS: u32 = 16;

/// Limits a blob is checked against when it is decoded.
///
/// The runtime passes its own; [`Bounds::default`] is meant for off-chain use and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub struct Bounds {
	/// Longest blob accepted, in bytes.
	pub max_blob_len: u32,
	/// Most layers.
	pub max_layers: u32,
	/// Most parameters over all layers: weights, biases, requantizers and table entries
	/// each count as one.
	pub max_parameters: u64,
	/// Largest extent of any one axis, feature count, channel count, kernel, stride or
	/// padding.
	pub max_dimension: u32,
	/// Most elements in any tensor the model produces (its input included). Inference holds
	/// about four tensors of this size at once.
	pub max_tensor_len: u32,
	/// Most multiply-accumulates per inference (see [`Model::cost`](crate::Model::cost)).
	pub max_macs: u64,
	/// Most cost per inference: multiply-accumulates plus every element-wise step and
	/// pooling comparison ([`Model::cost`](crate::Model::cost)). A model of pooling or lookup
	/// layers does no multiply-accumulate at all yet can take as long as a large dense one;
	/// this bound, not `max_macs`, is what limits the time one inference takes.
	pub max_cost: u64,
}

impl Default for Bounds {
	fn default() -> Self {
		Bounds {
			max_blob_len: MAX_BLOB_LEN,
			max_layers: 64,
			max_parameters: MAX_BLOB_LEN as u64,
			max_dimension: 65_536,
			max_tensor_len: 1 << 20,
			max_macs: 100_000_000,
			max_cost: 200_000_000,
		}
	}
}

impl Bounds {
	/// Bounds that only rule out what cannot be represented; used by inference on a
	/// [`Model`] that was built in memory rather than decoded.
	pub const fn unbounded() -> Self {
		Bounds {
			max_blob_len: u32::MAX,
			max_layers: u32::MAX,
			max_parameters: u64::MAX,
			max_dimension: u32::MAX,
			max_tensor_len: u32::MAX,
			max_macs: u64::MAX,
			max_cost: u64::MAX,
		}
	}
}

/// Requantization of an accumulator to the next layer's int8 scale.
///
/// `out = saturate_i8(round(acc * multiplier / 2^shift) + output_zero_point)` where the
/// product is exact in `i64` and `round` is half away from zero: see
/// [`rounding_shift_right`](crate::layers::rounding_shift_right). Every `shift` is
/// defined; a shift of 65 or more gives 0 before the zero point is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub struct Requant {
	/// Integer multiplier; the real multiplier is `multiplier / 2^shift`.
	pub multiplier: i32,
	/// Right shift applied after the multiplication, with rounding.
	pub shift: u8,
}

/// How the caller's real-valued input maps to the `i8` values the model takes:
/// `real = (q - zero_point) * scale / 2^scale_shift`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, TypeInfo)]
pub struct InputSpec {
	/// Shape of one input, 1 to `MAX_RANK` axes, e.g. `[64]` or `[1, 28, 28]` (channels,
	/// height, width).
	pub shape: Vec<u32>,
	/// Scale numerator (fixed point, see `scale_shift`).
	pub scale: u32,
	/// The scale is `scale / 2^scale_shift`.
	pub scale_shift: u8,
	/// The `i8` value that represents real zero.
	pub zero_point: i8,
}

/// Zero padding of a 2D window operation, in pixels on each side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Encode, TypeInfo)]
pub struct Padding {
	/// Rows added above.
	pub top: u32,
	/// Columns added on the left.
	pub left: u32,
	/// Rows added below.
	pub bottom: u32,
	/// Columns added on the right.
	pub right: u32,
}

/// A fully connected layer on int8 values.
///
/// For each output `o`: `acc = saturate_i32(bias[o] + sum_i weights[o * in + i] *
/// (x[i] - input_zero_point))`, then requantized with `requant[o]` (per channel) or
/// `requant[0]` (per tensor) and `output_zero_point`. Any input shape whose element count
/// is `in_features` is accepted (it is read in row-major order); the output is
/// `[out_features]`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, TypeInfo)]
pub struct Dense {
	/// Number of inputs, 1..=`MAX_FAN_IN`.
	pub in_features: u32,
	/// Number of outputs.
	pub out_features: u32,
	/// Row-major `[out_features][in_features]`.
	pub weights: Vec<i8>,
	/// One per output, in the accumulator's scale (`input_scale * weight_scale`).
	pub bias: Vec<i32>,
	/// Subtracted from every input before the multiplication.
	pub input_zero_point: i8,
	/// Added after requantization.
	pub output_zero_point: i8,
	/// Length 1 (per tensor) or `out_features` (per channel).
	pub requant: Vec<Requant>,
}

/// A 2D convolution on a `[channels, height, width]` tensor (CHW, the batch-free NCHW of
/// ONNX and PyTorch), no dilation, no groups.
///
/// Output `[out_channels, out_h, out_w]` with `out_h = (height + top + bottom - kernel_h) /
/// stride_h + 1` (floor) and likewise for the width. Padded positions hold
/// `input_zero_point`, i.e. real zero, so they add nothing to the accumulator. The
/// arithmetic is the one of [`Dense`].
#[derive(Debug, Clone, PartialEq, Eq, Encode, TypeInfo)]
pub struct Conv2d {
	/// Input channels.
	pub in_channels: u32,
	/// Output channels (filters).
	pub out_channels: u32,
	/// Kernel height.
	pub kernel_h: u32,
	/// Kernel width.
	pub kernel_w: u32,
	/// Vertical stride, at least 1.
	pub stride_h: u32,
	/// Horizontal stride, at least 1.
	pub stride_w: u32,
	/// Zero padding.
	pub padding: Padding,
	/// `[out_channels][in_channels][kernel_h][kernel_w]` (OIHW), row-major.
	pub weights: Vec<i8>,
	/// One per output channel, in the accumulator's scale.
	pub bias: Vec<i32>,
	/// Subtracted from every input (and the value of padding).
	pub input_zero_point: i8,
	/// Added after requantization.
	pub output_zero_point: i8,
	/// Length 1 (per tensor) or `out_channels` (per channel).
	pub requant: Vec<Requant>,
}

/// 2D max pooling on a `[channels, height, width]` tensor.
///
/// Padded positions are ignored (as if they held minus infinity); each padding must be
/// smaller than the kernel on its axis, so every window sees at least one real value. The
/// output size follows the [`Conv2d`] formula (floor, no ceil mode). Max commutes with a
/// positive-scale quantization, so the output keeps the input's scale and zero point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, TypeInfo)]
pub struct MaxPool2d {
	/// Window height.
	pub kernel_h: u32,
	/// Window width.
	pub kernel_w: u32,
	/// Vertical stride, at least 1.
	pub stride_h: u32,
	/// Horizontal stride, at least 1.
	pub stride_w: u32,
	/// Padding (ignored positions).
	pub padding: Padding,
}

/// What a lookup table computes; informational only, the table is what runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub enum LutKind {
	/// Logistic sigmoid.
	Sigmoid,
	/// Hyperbolic tangent.
	Tanh,
	/// Anything else.
	Generic,
}

/// Elementwise activation by a 256-entry table: `y = table[x + 128]` (so `table[0]` is the
/// output for `-128` and `table[255]` for `127`). The table folds in the input and output
/// quantization, so it is exact for any activation function.
#[derive(Debug, Clone, PartialEq, Eq, Encode, TypeInfo)]
pub struct Lut {
	/// What the table approximates.
	pub kind: LutKind,
	/// Output for each input `-128..=127`, in order.
	pub table: [i8; 256],
}

/// The parameters of a recurrent layer ([`Layer::Lstm`] with 4 gates, [`Layer::Gru`] with 3).
///
/// The layer reads a `[steps, input_size]` sequence (rank 2, one time step per row) and starts
/// from zero states. Gate row `r` (of `gates * hidden_size`, gates in ONNX order, each block of
/// `hidden_size` rows one gate) has two accumulators, exact as in [`Dense`]:
/// `input_bias[r] + input_weights[r] · (x_t - input_zero_point)` and
/// `hidden_bias[r] + hidden_weights[r] · h_{t-1}`, each saturated to `i32` and requantized by
/// its own requantizer to a fixed-point pre-activation with 12 fractional bits. The gate
/// arithmetic (sigmoid and tanh tables, cell state, hidden state) is fixed by the engine and
/// described in the `recurrent` module: the hidden state, and so the output, is `i8` with
/// scale 1/128 and zero point 0.
#[derive(Debug, Clone, PartialEq, Eq, Encode, TypeInfo)]
pub struct Recurrent {
	/// Features per time step, 1..=`MAX_FAN_IN`.
	pub input_size: u32,
	/// Hidden units, 1..=`MAX_FAN_IN`.
	pub hidden_size: u32,
	/// Output every step's hidden state (`[steps, hidden_size]`, for another recurrent layer)
	/// or only the last one (`[hidden_size]`, for a dense head).
	pub sequence: bool,
	/// Row-major `[gates * hidden_size][input_size]`.
	pub input_weights: Vec<i8>,
	/// Row-major `[gates * hidden_size][hidden_size]`.
	pub hidden_weights: Vec<i8>,
	/// One per gate row, in the input accumulator's scale.
	pub input_bias: Vec<i32>,
	/// One per gate row, in the hidden accumulator's scale.
	pub hidden_bias: Vec<i32>,
	/// Subtracted from every input element.
	pub input_zero_point: i8,
	/// Input accumulator to pre-activation: length 1 or one per gate row.
	pub input_requant: Vec<Requant>,
	/// Hidden accumulator to pre-activation: length 1 or one per gate row.
	pub hidden_requant: Vec<Requant>,
}

/// One step of a model. Elementwise layers keep their input's shape.
#[derive(Debug, Clone, PartialEq, Eq, Encode, TypeInfo)]
pub enum Layer {
	/// Fully connected.
	Dense(Dense),
	/// `y = max(x, zero_point)`: ReLU in the quantized domain, where `zero_point` is the
	/// input tensor's zero point.
	Relu {
		/// The value that represents real zero.
		zero_point: i8,
	},
	/// `y = x`.
	Identity,
	/// Lookup-table activation (sigmoid, tanh, any other).
	Lut(Lut),
	/// Reshapes any tensor to `[len]`, row-major; the values do not change.
	Flatten,
	/// 2D convolution.
	Conv2d(Conv2d),
	/// 2D max pooling.
	MaxPool2d(MaxPool2d),
	/// Long short-term memory: gates input, output, forget, cell (ONNX's order).
	Lstm(Recurrent),
	/// Gated recurrent unit: gates update, reset, hidden (ONNX's order), the reset applied
	/// after the hidden part's bias (ONNX `linear_before_reset = 1`, PyTorch's GRU).
	Gru(Recurrent),
}

/// How the last tensor becomes the model's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub enum OutputKind {
	/// The index of the largest value; ties go to the lowest index.
	Class,
	/// Each value `q` becomes `saturate_i32(round((q - zero_point) * multiplier / 2^shift))`,
	/// a fixed-point number with `REGRESSION_FRAC_BITS` fractional bits; `round` is half
	/// away from zero as in [`Requant`].
	Regression {
		/// Zero point of the last tensor.
		zero_point: i8,
		/// Scale numerator: `multiplier / 2^shift` is the last tensor's scale times `2^16`.
		multiplier: i32,
		/// Scale shift.
		shift: u8,
	},
}

/// A model: an input description, layers applied in order, and an output rule.
///
/// Build one in memory, or decode one with [`Model::decode_blob`]; encode with
/// [`Model::encode_blob`]. Run it with [`Model::run`].
#[derive(Debug, Clone, PartialEq, Eq, Encode, TypeInfo)]
pub struct Model {
	/// Shape and quantization of the input.
	pub input: InputSpec,
	/// Layers in execution order (may be empty: the output rule then applies to the input).
	pub layers: Vec<Layer>,
	/// How the last tensor becomes the answer.
	pub output: OutputKind,
}

/// The answer of one inference.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Output {
	/// The winning class index.
	Class(u32),
	/// Fixed-point values with `REGRESSION_FRAC_BITS` fractional bits.
	Regression(Vec<i32>),
}

impl Model {
	/// The blob: the version byte, then the SCALE encoding.
	pub fn encode_blob(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(1 + self.encoded_size());
		out.push(MODEL_FORMAT_VERSION);
		self.encode_to(&mut out);
		out
	}
}

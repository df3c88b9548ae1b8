//! Post-training quantization of a [`FloatNetwork`] to the engine's int8 format.
//!
//! Scheme (the usual TFLite-style one, written down so results can be reproduced):
//! - Activations: asymmetric int8 per tensor. A tensor's range is the min and max seen over
//!   the calibration inputs, widened to include 0; `scale = (max - min) / 255`,
//!   `zero_point = round(-128 - min / scale)`. A dense or convolution output followed by
//!   ReLU takes the ReLU's range, so the int8 range is not wasted on negatives (the
//!   saturation then does the ReLU's work and the ReLU layer is exact).
//! - Max pooling, flatten and ReLU keep their input's parameters. Sigmoid outputs use
//!   `scale = 1/256, zero_point = -128` (range `[0, 1)`), tanh `scale = 1/128,
//!   zero_point = 0` (range `[-1, 1)`); both become 256-entry tables.
//! - Weights: symmetric int8 in `[-127, 127]`, per tensor or per output channel
//!   ([`QuantConfig::per_channel`]); bias: int32 at `input_scale * weight_scale`.
//! - Requantization: `input_scale * weight_scale / output_scale` as a 31-bit multiplier and
//!   a right shift.
//! - LSTM and GRU: input and hidden weights quantized like a dense layer's, per gate row,
//!   each accumulator requantized to the engine's fixed pre-activation scale (1/4096); the
//!   hidden state (the layer's output) is at the engine's fixed 1/128, zero point 0.

use modelchain_nn::recurrent::GATE_FRAC_BITS;
use modelchain_nn::{
	Conv2d, Dense, InputSpec, Layer, Lut, LutKind, MaxPool2d, Model, OutputKind, Padding, Recurrent, Requant,
	REGRESSION_FRAC_BITS,
};

use crate::float::{sigmoid, Cell, FloatLayer, FloatNetwork, FloatRecurrent, Task};
use crate::ImportError;

/// How the model input is quantized.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InputQuant {
	/// From the calibration inputs' range.
	Calibrated,
	/// A fixed scale and zero point, e.g. scale `1/16`, zero point `-128` for inputs that
	/// are multiples of `1/16` in `[0, 1]`, which then quantize exactly.
	Fixed {
		/// Real value of one step.
		scale: f32,
		/// The `i8` that means 0.
		zero_point: i8,
	},
}

/// Quantization options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantConfig {
	/// One weight scale per output channel (better accuracy) instead of one per tensor.
	pub per_channel: bool,
	/// How the input is quantized.
	pub input: InputQuant,
}

impl Default for QuantConfig {
	fn default() -> Self {
		QuantConfig { per_channel: true, input: InputQuant::Calibrated }
	}
}

/// A quantized model and what is needed to read its raw output as real numbers.
#[derive(Debug, Clone)]
pub struct Quantized {
	/// The model.
	pub model: Model,
	/// Scale of the last tensor.
	pub output_scale: f32,
	/// Zero point of the last tensor.
	pub output_zero_point: i8,
}

impl Quantized {
	/// The real values of a raw last tensor (from [`Model::run_raw`]).
	pub fn dequantize_output(&self, raw: &[i8]) -> Vec<f32> {
		raw.iter().map(|&q| (q as f32 - self.output_zero_point as f32) * self.output_scale).collect()
	}
}

/// Asymmetric int8 parameters of one tensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TensorQuant {
	/// Real value of one step.
	pub scale: f32,
	/// The `i8` that means 0.
	pub zero_point: i8,
}

impl TensorQuant {
	/// Parameters covering `[min, max]` (widened to include 0).
	pub fn from_range(min: f32, max: f32) -> Self {
		let (lo, hi) = (min.min(0.0), max.max(0.0));
		let scale = if hi > lo { (hi - lo) / 255.0 } else { 1.0 };
		let zero_point = (-128.0 - lo / scale).round().clamp(-128.0, 127.0) as i8;
		TensorQuant { scale, zero_point }
	}

	/// `round(x / scale) + zero_point`, saturated.
	pub fn quantize(&self, x: f32) -> i8 {
		((x / self.scale).round() + self.zero_point as f32).clamp(-128.0, 127.0) as i8
	}

	/// `(q - zero_point) * scale`.
	pub fn dequantize(&self, q: i8) -> f32 {
		(q as f32 - self.zero_point as f32) * self.scale
	}
}

/// `m * 2^-shift ≈ real` with `m` a 31-bit multiplier (or smaller when the shift would
/// exceed 255). Non-positive or non-finite values give a zero multiplier.
pub fn quantize_multiplier(real: f64) -> Requant {
	if real.is_nan() || real <= 0.0 || real.is_infinite() {
		return Requant { multiplier: 0, shift: 0 };
	}
	// real = frac * 2^exp, frac in [0.5, 1).
	let exp = real.log2().floor() as i32 + 1;
	let frac = real / 2f64.powi(exp);
	let mut mult = (frac * 2f64.powi(31)).round() as i64;
	let mut shift = 31 - exp;
	if mult == 1 << 31 {
		mult /= 2;
		shift -= 1;
	}
	if shift < 0 {
		// Larger than 2^31: saturate (no real network needs this).
		return Requant { multiplier: i32::MAX, shift: 0 };
	}
	while shift > 255 {
		mult >>= 1;
		shift -= 1;
	}
	Requant { multiplier: mult as i32, shift: shift as u8 }
}

/// The engine's `InputSpec` scale: `scale = num / 2^shift` with a 24-bit numerator.
fn input_scale(scale: f32) -> (u32, u8) {
	let r = quantize_multiplier(scale as f64);
	if r.shift < 7 {
		// Scales of 2^24 and more: an integer is precise enough.
		return ((scale as f64).round().clamp(0.0, u32::MAX as f64) as u32, 0);
	}
	// 31-bit -> 24-bit numerator keeps it well inside u32; round the dropped bits.
	let m = ((r.multiplier as i64 + 64) >> 7) as u32;
	let shift = r.shift.saturating_sub(7);
	(m, shift)
}

fn ranges(net: &FloatNetwork, calibration: &[Vec<f32>]) -> Result<Vec<(f32, f32)>, ImportError> {
	if calibration.is_empty() {
		return Err(ImportError::Data("no calibration inputs".into()));
	}
	let mut r = vec![(f32::INFINITY, f32::NEG_INFINITY); net.layers.len() + 1];
	for x in calibration {
		for (t, acts) in net.forward_all(x)?.iter().enumerate() {
			for &v in acts {
				r[t].0 = r[t].0.min(v);
				r[t].1 = r[t].1.max(v);
			}
		}
	}
	Ok(r)
}

/// Symmetric int8 weights for `channels` rows; returns the weights and per-row scales.
fn quantize_weights(w: &[f32], channels: usize, per_channel: bool) -> (Vec<i8>, Vec<f32>) {
	let per = w.len() / channels.max(1);
	let max_abs = |s: &[f32]| s.iter().fold(0f32, |m, v| m.max(v.abs()));
	let scales: Vec<f32> = if per_channel {
		w.chunks(per).map(|row| max_abs(row) / 127.0).collect()
	} else {
		vec![max_abs(w) / 127.0; channels]
	};
	let scales: Vec<f32> = scales.into_iter().map(|s| if s > 0.0 { s } else { 1.0 }).collect();
	let q = w
		.chunks(per)
		.zip(&scales)
		.flat_map(|(row, s)| row.iter().map(move |v| (v / s).round().clamp(-127.0, 127.0) as i8))
		.collect();
	(q, scales)
}

struct Linear {
	weights: Vec<i8>,
	bias: Vec<i32>,
	requant: Vec<Requant>,
}

fn quantize_linear(
	w: &[f32],
	b: &[f32],
	channels: usize,
	input: TensorQuant,
	output: TensorQuant,
	per_channel: bool,
) -> Linear {
	let (weights, w_scales) = quantize_weights(w, channels, per_channel);
	let acc_scale = |o: usize| input.scale as f64 * w_scales[o] as f64;
	let bias = b
		.iter()
		.enumerate()
		.map(|(o, v)| (*v as f64 / acc_scale(o)).round().clamp(i32::MIN as f64, i32::MAX as f64) as i32)
		.collect();
	let n = if per_channel { channels } else { 1 };
	let requant = (0..n).map(|o| quantize_multiplier(acc_scale(o) / output.scale as f64)).collect();
	Linear { weights, bias, requant }
}

fn lut(kind: LutKind, f: impl Fn(f32) -> f32, input: TensorQuant, output: TensorQuant) -> Layer {
	let mut table = [0i8; 256];
	for (i, t) in table.iter_mut().enumerate() {
		let q = (i as i32 - 128) as i8;
		*t = output.quantize(f(input.dequantize(q)));
	}
	Layer::Lut(Lut { kind, table })
}

/// A recurrent layer: weights symmetric int8 per gate row (or per matrix), biases at their
/// accumulator's scale, and each accumulator requantized to the engine's Q12 pre-activation
/// (`2^GATE_FRAC_BITS` per unit). The hidden state the hidden weights multiply is the
/// engine's, at 1/128.
fn recurrent(r: &FloatRecurrent, input: TensorQuant, per_channel: bool) -> Layer {
	let rows = r.cell.gates() * r.hidden_size;
	let hidden = TensorQuant { scale: 1.0 / 128.0, zero_point: 0 };
	let pre = TensorQuant { scale: 1.0 / (1u32 << GATE_FRAC_BITS) as f32, zero_point: 0 };
	let x = quantize_linear(&r.w, &r.wb, rows, input, pre, per_channel);
	let h = quantize_linear(&r.r, &r.rb, rows, hidden, pre, per_channel);
	let layer = Recurrent {
		input_size: r.input_size as u32,
		hidden_size: r.hidden_size as u32,
		sequence: r.sequence,
		input_weights: x.weights,
		hidden_weights: h.weights,
		input_bias: x.bias,
		hidden_bias: h.bias,
		input_zero_point: input.zero_point,
		input_requant: x.requant,
		hidden_requant: h.requant,
	};
	match r.cell {
		Cell::Lstm => Layer::Lstm(layer),
		Cell::Gru => Layer::Gru(layer),
	}
}

fn padding(p: [usize; 4]) -> Padding {
	Padding { top: p[0] as u32, left: p[1] as u32, bottom: p[2] as u32, right: p[3] as u32 }
}

/// Quantizes `net`, calibrating activation ranges on `calibration` (each one input).
pub fn quantize(net: &FloatNetwork, calibration: &[Vec<f32>], config: &QuantConfig) -> Result<Quantized, ImportError> {
	let shapes = net.shapes()?;
	let ranges = ranges(net, calibration)?;
	let n = net.layers.len();
	// Parameters of every tensor, decided front to back.
	let mut q: Vec<TensorQuant> = Vec::with_capacity(n + 1);
	q.push(match config.input {
		InputQuant::Calibrated => TensorQuant::from_range(ranges[0].0, ranges[0].1),
		InputQuant::Fixed { scale, zero_point } => TensorQuant { scale, zero_point },
	});
	for (i, layer) in net.layers.iter().enumerate() {
		let prev = q[i];
		let next = match layer {
			FloatLayer::Dense { .. } | FloatLayer::Conv2d { .. } => {
				let t = if matches!(net.layers.get(i + 1), Some(FloatLayer::Relu)) { i + 2 } else { i + 1 };
				TensorQuant::from_range(ranges[t].0, ranges[t].1)
			}
			FloatLayer::Sigmoid => TensorQuant { scale: 1.0 / 256.0, zero_point: -128 },
			FloatLayer::Tanh => TensorQuant { scale: 1.0 / 128.0, zero_point: 0 },
			FloatLayer::Relu | FloatLayer::MaxPool2d { .. } | FloatLayer::Flatten => prev,
			// The engine fixes a recurrent layer's output (its hidden state) at 1/128.
			FloatLayer::Recurrent(_) => TensorQuant { scale: 1.0 / 128.0, zero_point: 0 },
		};
		q.push(next);
	}
	let mut layers = Vec::with_capacity(n);
	for (i, layer) in net.layers.iter().enumerate() {
		let (input, output) = (q[i], q[i + 1]);
		layers.push(match layer {
			FloatLayer::Dense { in_features, out_features, weights, bias } => {
				let l = quantize_linear(weights, bias, *out_features, input, output, config.per_channel);
				Layer::Dense(Dense {
					in_features: *in_features as u32,
					out_features: *out_features as u32,
					weights: l.weights,
					bias: l.bias,
					input_zero_point: input.zero_point,
					output_zero_point: output.zero_point,
					requant: l.requant,
				})
			}
			FloatLayer::Conv2d { in_channels, out_channels, kernel, stride, pads, weights, bias } => {
				let l = quantize_linear(weights, bias, *out_channels, input, output, config.per_channel);
				Layer::Conv2d(Conv2d {
					in_channels: *in_channels as u32,
					out_channels: *out_channels as u32,
					kernel_h: kernel.0 as u32,
					kernel_w: kernel.1 as u32,
					stride_h: stride.0 as u32,
					stride_w: stride.1 as u32,
					padding: padding(*pads),
					weights: l.weights,
					bias: l.bias,
					input_zero_point: input.zero_point,
					output_zero_point: output.zero_point,
					requant: l.requant,
				})
			}
			FloatLayer::MaxPool2d { kernel, stride, pads } => Layer::MaxPool2d(MaxPool2d {
				kernel_h: kernel.0 as u32,
				kernel_w: kernel.1 as u32,
				stride_h: stride.0 as u32,
				stride_w: stride.1 as u32,
				padding: padding(*pads),
			}),
			FloatLayer::Relu => Layer::Relu { zero_point: input.zero_point },
			FloatLayer::Sigmoid => lut(LutKind::Sigmoid, sigmoid, input, output),
			FloatLayer::Tanh => lut(LutKind::Tanh, f32::tanh, input, output),
			FloatLayer::Flatten => Layer::Flatten,
			FloatLayer::Recurrent(r) => recurrent(r, input, config.per_channel),
		});
	}
	let last = q[n];
	let output = match net.task {
		Task::Classification => OutputKind::Class,
		Task::Regression => {
			let r = quantize_multiplier(last.scale as f64 * (1u64 << REGRESSION_FRAC_BITS) as f64);
			OutputKind::Regression { zero_point: last.zero_point, multiplier: r.multiplier, shift: r.shift }
		}
	};
	let (scale, scale_shift) = input_scale(q[0].scale);
	let model = Model {
		input: InputSpec {
			shape: shapes[0].iter().map(|&d| d as u32).collect(),
			scale,
			scale_shift,
			zero_point: q[0].zero_point,
		},
		layers,
		output,
	};
	model.validate(&modelchain_nn::Bounds::default())?;
	Ok(Quantized { model, output_scale: last.scale, output_zero_point: last.zero_point })
}

/// The quantization of a model's input, read back from its [`InputSpec`].
pub fn input_quant(spec: &InputSpec) -> TensorQuant {
	TensorQuant { scale: spec.scale as f32 / 2f32.powi(spec.scale_shift as i32), zero_point: spec.zero_point }
}

/// Quantizes one real input for a model.
pub fn quantize_input(spec: &InputSpec, x: &[f32]) -> Vec<i8> {
	let q = input_quant(spec);
	x.iter().map(|&v| q.quantize(v)).collect()
}

/// A real target as the engine's fixed point (`REGRESSION_FRAC_BITS` fractional bits),
/// rounded to nearest and saturated.
pub fn to_fixed(x: f32) -> i32 {
	(x as f64 * (1u64 << REGRESSION_FRAC_BITS) as f64).round().clamp(i32::MIN as f64, i32::MAX as f64) as i32
}

/// A fixed-point value as `f32`.
pub fn from_fixed(v: i32) -> f32 {
	(v as f64 / (1u64 << REGRESSION_FRAC_BITS) as f64) as f32
}

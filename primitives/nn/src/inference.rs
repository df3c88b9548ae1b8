//! Shape checking, cost and inference.

use alloc::vec::Vec;

use crate::error::Error;
use crate::format::*;
use crate::layers;
use crate::recurrent;

/// What [`Model::validate`] learns about a valid model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
	/// Elements of one input.
	pub input_len: u32,
	/// Elements of the last tensor (classes, or regression outputs).
	pub output_len: u32,
	/// Multiply-accumulates of the dense and convolution layers.
	pub macs: u64,
	/// [`Model::cost`].
	pub cost: u64,
	/// Largest tensor, in elements.
	pub max_tensor_len: u32,
}

/// A tensor shape: 1 to `MAX_RANK` axes, none of them zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dims {
	rank: usize,
	d: [u32; MAX_RANK],
}

impl Dims {
	fn flat(n: u32) -> Self {
		Dims { rank: 1, d: [n, 1, 1] }
	}

	fn chw(&self) -> Option<(u32, u32, u32)> {
		(self.rank == 3).then_some((self.d[0], self.d[1], self.d[2]))
	}

	fn len(&self) -> u64 {
		self.d.iter().take(self.rank).fold(1u64, |acc, &d| acc.saturating_mul(u64::from(d)))
	}
}

fn at(layer: usize) -> u32 {
	u32::try_from(layer).unwrap_or(u32::MAX)
}

/// Checks one tensor against the bounds and returns its element count.
fn check_tensor(dims: &Dims, bounds: &Bounds, layer: u32) -> Result<u32, Error> {
	if dims.d.iter().take(dims.rank).any(|&d| d == 0) {
		return Err(Error::ZeroDimension { layer });
	}
	let len = dims.len();
	if len > u64::from(bounds.max_tensor_len) {
		return Err(Error::TensorTooLarge { layer });
	}
	u32::try_from(len).map_err(|_| Error::TensorTooLarge { layer })
}

fn check_requant(requant: &[Requant], channels: u32, layer: u32) -> Result<(), Error> {
	if requant.len() == 1 || requant.len() as u64 == u64::from(channels) {
		Ok(())
	} else {
		Err(Error::RequantCountMismatch { layer })
	}
}

fn check_dims(values: &[u32], bounds: &Bounds, layer: u32) -> Result<(), Error> {
	if values.iter().any(|&v| v > bounds.max_dimension) {
		return Err(Error::DimensionTooLarge { layer });
	}
	Ok(())
}

fn parameters(layer: &Layer) -> u64 {
	let n = match layer {
		Layer::Dense(d) => d.weights.len() + d.bias.len() + d.requant.len(),
		Layer::Conv2d(c) => c.weights.len() + c.bias.len() + c.requant.len(),
		Layer::Lut(_) => 256,
		Layer::Lstm(r) | Layer::Gru(r) => {
			r.input_weights.len()
				+ r.hidden_weights.len()
				+ r.input_bias.len()
				+ r.hidden_bias.len()
				+ r.input_requant.len()
				+ r.hidden_requant.len()
		}
		_ => 0,
	};
	n as u64
}

/// Output shape and multiply-accumulates of one layer.
fn layer_shape(layer: &Layer, input: Dims, bounds: &Bounds, li: u32) -> Result<(Dims, u64), Error> {
	let len = input.len();
	match layer {
		Layer::Dense(d) => {
			if d.in_features == 0 || d.out_features == 0 {
				return Err(Error::ZeroDimension { layer: li });
			}
			check_dims(&[d.in_features, d.out_features], bounds, li)?;
			if d.in_features > MAX_FAN_IN {
				return Err(Error::FanInTooLarge { layer: li });
			}
			if len != u64::from(d.in_features) {
				return Err(Error::ShapeMismatch { layer: li });
			}
			let macs = u64::from(d.in_features) * u64::from(d.out_features);
			if d.weights.len() as u64 != macs || d.bias.len() as u64 != u64::from(d.out_features) {
				return Err(Error::ParameterCountMismatch { layer: li });
			}
			check_requant(&d.requant, d.out_features, li)?;
			Ok((Dims::flat(d.out_features), macs))
		}
		Layer::Conv2d(c) => {
			let (ch, h, w) = input.chw().ok_or(Error::InvalidRank { layer: li })?;
			let p = c.padding;
			let geometry = [c.in_channels, c.out_channels, c.kernel_h, c.kernel_w, c.stride_h, c.stride_w];
			if geometry.contains(&0) {
				return Err(Error::ZeroDimension { layer: li });
			}
			check_dims(&geometry, bounds, li)?;
			check_dims(&[p.top, p.left, p.bottom, p.right], bounds, li)?;
			if ch != c.in_channels {
				return Err(Error::ShapeMismatch { layer: li });
			}
			let fan_in = u64::from(c.in_channels) * u64::from(c.kernel_h) * u64::from(c.kernel_w);
			if fan_in > u64::from(MAX_FAN_IN) {
				return Err(Error::FanInTooLarge { layer: li });
			}
			let oh = layers::window_out(h, p.top, p.bottom, c.kernel_h, c.stride_h);
			let ow = layers::window_out(w, p.left, p.right, c.kernel_w, c.stride_w);
			let (Some(oh), Some(ow)) = (oh, ow) else {
				return Err(Error::InvalidWindow { layer: li });
			};
			let expected = fan_in * u64::from(c.out_channels);
			if c.weights.len() as u64 != expected || c.bias.len() as u64 != u64::from(c.out_channels) {
				return Err(Error::ParameterCountMismatch { layer: li });
			}
			check_requant(&c.requant, c.out_channels, li)?;
			check_dims(&[oh, ow], bounds, li)?;
			let out = Dims { rank: 3, d: [c.out_channels, oh, ow] };
			Ok((out, out.len().saturating_mul(fan_in)))
		}
		Layer::MaxPool2d(m) => {
			let (ch, h, w) = input.chw().ok_or(Error::InvalidRank { layer: li })?;
			let p = m.padding;
			let geometry = [m.kernel_h, m.kernel_w, m.stride_h, m.stride_w];
			if geometry.contains(&0) {
				return Err(Error::ZeroDimension { layer: li });
			}
			check_dims(&geometry, bounds, li)?;
			if p.top >= m.kernel_h || p.bottom >= m.kernel_h || p.left >= m.kernel_w || p.right >= m.kernel_w {
				return Err(Error::InvalidWindow { layer: li });
			}
			let oh = layers::window_out(h, p.top, p.bottom, m.kernel_h, m.stride_h);
			let ow = layers::window_out(w, p.left, p.right, m.kernel_w, m.stride_w);
			let (Some(oh), Some(ow)) = (oh, ow) else {
				return Err(Error::InvalidWindow { layer: li });
			};
			check_dims(&[oh, ow], bounds, li)?;
			Ok((Dims { rank: 3, d: [ch, oh, ow] }, 0))
		}
		Layer::Lstm(r) | Layer::Gru(r) => {
			if input.rank != 2 {
				return Err(Error::InvalidRank { layer: li });
			}
			let (steps, features) = (input.d[0], input.d[1]);
			if r.input_size == 0 || r.hidden_size == 0 {
				return Err(Error::ZeroDimension { layer: li });
			}
			check_dims(&[r.input_size, r.hidden_size], bounds, li)?;
			if r.input_size > MAX_FAN_IN || r.hidden_size > MAX_FAN_IN {
				return Err(Error::FanInTooLarge { layer: li });
			}
			if features != r.input_size {
				return Err(Error::ShapeMismatch { layer: li });
			}
			let rows = gates(layer).saturating_mul(u64::from(r.hidden_size));
			let (f, h) = (u64::from(r.input_size), u64::from(r.hidden_size));
			if r.input_weights.len() as u64 != rows.saturating_mul(f)
				|| r.hidden_weights.len() as u64 != rows.saturating_mul(h)
				|| r.input_bias.len() as u64 != rows
				|| r.hidden_bias.len() as u64 != rows
			{
				return Err(Error::ParameterCountMismatch { layer: li });
			}
			// At most 4 * 65_536 rows: fits u32.
			let rows32 = u32::try_from(rows).map_err(|_| Error::Overflow)?;
			check_requant(&r.input_requant, rows32, li)?;
			check_requant(&r.hidden_requant, rows32, li)?;
			let macs = u64::from(steps).saturating_mul(rows).saturating_mul(f.saturating_add(h));
			let out =
				if r.sequence { Dims { rank: 2, d: [steps, r.hidden_size, 1] } } else { Dims::flat(r.hidden_size) };
			Ok((out, macs))
		}
		Layer::Flatten => Ok((Dims::flat(u32::try_from(len).map_err(|_| Error::TensorTooLarge { layer: li })?), 0)),
		Layer::Relu { .. } | Layer::Identity | Layer::Lut(_) => Ok((input, 0)),
	}
}

/// Cost units of one inference before any layer: validating the model, copying the input,
/// applying the output rule.
pub const RUN_COST: u64 = 256;
/// Cost units per input element: its copy.
pub const INPUT_ELEMENT_COST: u64 = 2;
/// Cost units per element of the last tensor: the output rule (an arg-max step, or a
/// regression value's 64-bit rescaling).
pub const OUTPUT_ELEMENT_COST: u64 = 8;
/// Cost units of each layer whatever its size: its dispatch, shape checks and the
/// allocations of its output (a host call in the runtime).
pub const LAYER_COST: u64 = 64;
/// Cost units per element a dense, convolution or pooling layer writes: the bias, the
/// requantization (a 64-bit multiply and a rounding shift) and the saturation.
pub const WRITE_COST: u64 = 24;
/// Cost units per element a convolution or pooling layer writes, on top of [`WRITE_COST`]:
/// placing its window (the clipping at the padding).
pub const WINDOW_COST: u64 = 24;
/// Cost units per kernel row a convolution or pooling window visits (every input channel's,
/// padding or not): the row's bounds checks and the call of its dot product.
pub const ROW_COST: u64 = 12;
/// Cost units per element of a ReLU or lookup-table layer.
pub const ELEMENT_COST: u64 = 2;

/// Cost units per gate row of a recurrent layer per time step, on top of its
/// multiply-accumulates: its two accumulators' biases and requantizations, the gate's
/// interpolated activation and its share of the state update.
pub const GATE_COST: u64 = 64;
/// Cost units per time step of a recurrent layer: centering the step's input and moving the
/// new hidden state into place.
pub const STEP_COST: u64 = 64;

/// Gates of a recurrent layer (0 for the others).
fn gates(layer: &Layer) -> u64 {
	match layer {
		Layer::Lstm(_) => 4,
		Layer::Gru(_) => 3,
		_ => 0,
	}
}

/// Cost of one layer beyond its multiply-accumulates (see [`Model::cost`]); `input` is the
/// tensor it reads.
fn layer_overhead(layer: &Layer, input: &Dims, out_len: u32) -> u64 {
	if let Layer::Lstm(r) | Layer::Gru(r) = layer {
		let per_step = gates(layer).saturating_mul(u64::from(r.hidden_size)).saturating_mul(GATE_COST);
		let steps = u64::from(input.d[0]);
		return steps.saturating_mul(per_step.saturating_add(STEP_COST)).saturating_add(LAYER_COST);
	}
	let per_element = match layer {
		Layer::Dense(_) => WRITE_COST,
		Layer::Conv2d(c) => {
			let rows = u64::from(c.in_channels).saturating_mul(u64::from(c.kernel_h));
			rows.saturating_mul(ROW_COST).saturating_add(WRITE_COST + WINDOW_COST)
		}
		Layer::MaxPool2d(m) => {
			let compares = u64::from(m.kernel_h).saturating_mul(u64::from(m.kernel_w));
			let rows = u64::from(m.kernel_h).saturating_mul(ROW_COST);
			compares.saturating_add(rows).saturating_add(WRITE_COST + WINDOW_COST)
		}
		Layer::Relu { .. } | Layer::Lut(_) => ELEMENT_COST,
		Layer::Identity | Layer::Flatten => 1,
		Layer::Lstm(_) | Layer::Gru(_) => 0,
	};
	u64::from(out_len).saturating_mul(per_element).saturating_add(LAYER_COST)
}

impl Model {
	/// Checks the model against `bounds`: input shape, layer count, parameter count, each
	/// layer's shape and parameter lengths, tensor sizes, fan-in, multiply-accumulates and
	/// total cost.
	pub fn validate(&self, bounds: &Bounds) -> Result<Summary, Error> {
		let input_layer = u32::MAX;
		let shape = &self.input.shape;
		if shape.is_empty() || shape.len() > MAX_RANK {
			return Err(Error::InvalidRank { layer: input_layer });
		}
		let mut dims = Dims { rank: shape.len(), d: [1; MAX_RANK] };
		for (d, &s) in dims.d.iter_mut().zip(shape) {
			*d = s;
		}
		check_dims(shape, bounds, input_layer)?;
		let input_len = check_tensor(&dims, bounds, input_layer)?;
		if self.layers.len() as u64 > u64::from(bounds.max_layers) {
			return Err(Error::TooManyLayers);
		}
		let params = self.layers.iter().fold(0u64, |acc, l| acc.saturating_add(parameters(l)));
		if params > bounds.max_parameters {
			return Err(Error::TooManyParameters);
		}
		let mut macs = 0u64;
		let mut other = RUN_COST.saturating_add(u64::from(input_len).saturating_mul(INPUT_ELEMENT_COST));
		let mut max_tensor_len = input_len;
		for (i, layer) in self.layers.iter().enumerate() {
			let (out, layer_macs) = layer_shape(layer, dims, bounds, at(i))?;
			let out_len = check_tensor(&out, bounds, at(i))?;
			macs = macs.saturating_add(layer_macs);
			other = other.saturating_add(layer_overhead(layer, &dims, out_len));
			max_tensor_len = max_tensor_len.max(out_len);
			dims = out;
		}
		if macs > bounds.max_macs {
			return Err(Error::TooManyMacs);
		}
		let output = dims.len().saturating_mul(OUTPUT_ELEMENT_COST);
		let cost = macs.saturating_add(other).saturating_add(output);
		if cost > bounds.max_cost {
			return Err(Error::CostTooHigh);
		}
		let output_len = check_tensor(&dims, bounds, u32::MAX)?;
		Ok(Summary { input_len, output_len, macs, cost, max_tensor_len })
	}

	/// The work of one inference, in units of a dense layer's multiply-accumulate: what the
	/// runtime charges weight for and what bounds a model. Every multiply-accumulate of the
	/// dense and convolution layers; per element a layer writes, [`WRITE_COST`] for dense,
	/// convolution and pooling layers (plus [`WINDOW_COST`] and [`ROW_COST`] per kernel row a
	/// window visits for the latter two and, for pooling, one per compared element),
	/// [`ELEMENT_COST`] for ReLU and lookup tables and one for the rest; for a recurrent layer,
	/// per time step [`GATE_COST`] per gate row and [`STEP_COST`]; [`LAYER_COST`] per
	/// layer; [`INPUT_ELEMENT_COST`] per input element, [`OUTPUT_ELEMENT_COST`] per element
	/// of the last tensor and [`RUN_COST`] once. The overheads are what keeps the work per unit of any
	/// model an attacker can shape (fan-in 1, 1x1 windows, many tiny layers) within 1.5x of
	/// a dense model's (`tests/cost_model.rs` asserts it), so a weight charged per unit at
	/// the dense rate covers them. Saturating; `u64::MAX` for a model that does not validate.
	pub fn cost(&self) -> u64 {
		self.validate(&Bounds::unbounded()).map(|s| s.cost).unwrap_or(u64::MAX)
	}

	/// Elements an input must have: the product of the input shape (saturated; 0 for an
	/// empty shape).
	pub fn input_len(&self) -> u32 {
		if self.input.shape.is_empty() {
			return 0;
		}
		let len = self.input.shape.iter().fold(1u64, |acc, &d| acc.saturating_mul(u64::from(d)));
		u32::try_from(len).unwrap_or(u32::MAX)
	}

	/// Runs the model on one input and applies the output rule.
	pub fn run(&self, input: &[i8]) -> Result<Output, Error> {
		let last = self.run_raw(input)?;
		Ok(self.output.apply(&last))
	}

	/// Runs the model on one input and returns its last tensor, before the output rule.
	///
	/// The model is validated first (without bounds: a decoded model has already met
	/// them), so any model, however built, either runs or returns an error.
	pub fn run_raw(&self, input: &[i8]) -> Result<Vec<i8>, Error> {
		let summary = self.validate(&Bounds::unbounded())?;
		if input.len() != summary.input_len as usize {
			return Err(Error::InputLengthMismatch {
				expected: summary.input_len,
				found: u32::try_from(input.len()).unwrap_or(u32::MAX),
			});
		}
		let mut dims = [1u32; MAX_RANK];
		for (d, &s) in dims.iter_mut().zip(&self.input.shape) {
			*d = s;
		}
		let mut chw = (self.input.shape.len() == 3).then_some((dims[0], dims[1], dims[2]));
		let mut x = input.to_vec();
		for (i, layer) in self.layers.iter().enumerate() {
			let fix = |e: Error| match e {
				Error::ShapeMismatch { .. } => Error::ShapeMismatch { layer: at(i) },
				other => other,
			};
			let wrong_rank = Error::InvalidRank { layer: at(i) };
			match layer {
				Layer::Dense(d) => {
					x = layers::dense(d, &x).map_err(fix)?;
					chw = None;
				}
				Layer::Conv2d(c) => {
					let (_, h, w) = chw.ok_or(wrong_rank)?;
					let (y, oh, ow) = layers::conv2d(c, &x, h, w).map_err(fix)?;
					x = y;
					chw = Some((c.out_channels, oh, ow));
				}
				Layer::MaxPool2d(m) => {
					let (ch, h, w) = chw.ok_or(wrong_rank)?;
					let (y, oh, ow) = layers::max_pool2d(m, &x, ch, h, w).map_err(fix)?;
					x = y;
					chw = Some((ch, oh, ow));
				}
				Layer::Relu { zero_point } => layers::relu(&mut x, *zero_point),
				Layer::Lut(l) => layers::lut(l, &mut x),
				Layer::Identity => {}
				Layer::Flatten => chw = None,
				Layer::Lstm(r) => {
					x = recurrent::lstm(r, &x).map_err(fix)?;
					chw = None;
				}
				Layer::Gru(r) => {
					x = recurrent::gru(r, &x).map_err(fix)?;
					chw = None;
				}
			}
		}
		Ok(x)
	}
}

impl OutputKind {
	/// Turns the last tensor into the answer (see the variants).
	pub fn apply(&self, last: &[i8]) -> Output {
		match *self {
			OutputKind::Class => Output::Class(argmax(last)),
			OutputKind::Regression { zero_point, multiplier, shift } => Output::Regression(
				last.iter()
					.map(|&q| {
						let centered = i64::from(q) - i64::from(zero_point);
						let v = layers::rounding_shift_right(centered * i64::from(multiplier), u32::from(shift));
						layers::saturate_i32(v)
					})
					.collect(),
			),
		}
	}
}

/// Index of the largest value, the lowest index among equals; 0 for an empty slice.
pub fn argmax(values: &[i8]) -> u32 {
	let mut best = 0usize;
	let mut best_value = i8::MIN;
	for (i, &v) in values.iter().enumerate() {
		if i == 0 || v > best_value {
			best = i;
			best_value = v;
		}
	}
	u32::try_from(best).unwrap_or(u32::MAX)
}

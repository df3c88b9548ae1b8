//! The recurrent kernels: LSTM and GRU cells in fixed point.
//!
//! Numbers inside a cell (see [`Recurrent`] for the layer and its parameters):
//! - gate pre-activations are `i32` with [`GATE_FRAC_BITS`] (12) fractional bits: each of the
//!   input and hidden accumulators is requantized to that scale on its own (their scales
//!   differ), and the two are added with saturation;
//! - gate activations are `i32` with 15 fractional bits (`32768` is 1.0), from one
//!   257-entry sigmoid table on `[-8, 8]` in steps of 1/16, linearly interpolated with
//!   rounding; `tanh(x) = 2 sigmoid(2x) - 1`. Inputs beyond the table saturate to its ends
//!   (`sigmoid(±8)` is within 0.0004 of 0 and 1);
//! - the LSTM cell state is `i32` with 15 fractional bits, saturated;
//! - the hidden state, which is also the layer's output, is `i8` with scale 1/128 and zero
//!   point 0 (`h = q / 128`, so 1.0 saturates to 127/128). The next layer's input scale is
//!   therefore fixed by the format, not by the model.
//!
//! Every rounding is [`rounding_shift_right`] (half away from zero) and every step is
//! exact in `i64` before its saturation, so the results are the same bits everywhere.

use alloc::vec::Vec;

use crate::dot;
use crate::error::Error;
use crate::format::{Recurrent, Requant};
use crate::layers::{rounding_shift_right, saturate_i32, saturate_i8};

/// Fractional bits of a gate pre-activation.
pub const GATE_FRAC_BITS: u32 = 12;
/// Fractional bits of a gate activation and of the LSTM cell state: `ONE` is 1.0.
const FRAC: u32 = 15;
const ONE: i64 = 1 << FRAC;
/// Fractional bits of the hidden state (`i8`, scale 1/128).
pub const HIDDEN_FRAC_BITS: u32 = 7;

/// `round(32768 * sigmoid(-8 + k / 16))` for `k` in `0..=256`
/// (`tests::sigmoid_table_is_the_logistic_function` recomputes it).
const SIGMOID: [i32; 257] = [
	11, 12, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 25, 26, 28, 30, 32, 34, 36, 38, 41, 43, 46, 49, 52, 56, 59, 63,
	67, 72, 76, 81, 86, 92, 98, 104, 111, 118, 125, 133, 142, 151, 161, 171, 182, 194, 206, 219, 233, 248, 264, 281,
	299, 318, 338, 360, 383, 407, 433, 461, 490, 521, 554, 589, 627, 666, 708, 753, 800, 851, 904, 961, 1021, 1084,
	1152, 1223, 1299, 1379, 1464, 1554, 1649, 1750, 1856, 1969, 2088, 2213, 2346, 2486, 2633, 2789, 2952, 3124, 3306,
	3496, 3696, 3906, 4126, 4357, 4599, 4851, 5115, 5391, 5678, 5978, 6289, 6613, 6949, 7297, 7658, 8031, 8416, 8813,
	9221, 9641, 10072, 10513, 10964, 11424, 11894, 12371, 12856, 13348, 13845, 14347, 14852, 15361, 15872, 16384,
	16896, 17407, 17916, 18421, 18923, 19420, 19912, 20397, 20874, 21344, 21804, 22255, 22696, 23127, 23547, 23955,
	24352, 24737, 25110, 25471, 25819, 26155, 26479, 26790, 27090, 27377, 27653, 27917, 28169, 28411, 28642, 28862,
	29072, 29272, 29462, 29644, 29816, 29979, 30135, 30282, 30422, 30555, 30680, 30799, 30912, 31018, 31119, 31214,
	31304, 31389, 31469, 31545, 31616, 31684, 31747, 31807, 31864, 31917, 31968, 32015, 32060, 32102, 32141, 32179,
	32214, 32247, 32278, 32307, 32335, 32361, 32385, 32408, 32430, 32450, 32469, 32487, 32504, 32520, 32535, 32549,
	32562, 32574, 32586, 32597, 32607, 32617, 32626, 32635, 32643, 32650, 32657, 32664, 32670, 32676, 32682, 32687,
	32692, 32696, 32701, 32705, 32709, 32712, 32716, 32719, 32722, 32725, 32727, 32730, 32732, 32734, 32736, 32738,
	32740, 32742, 32743, 32745, 32746, 32747, 32749, 32750, 32751, 32752, 32753, 32754, 32755, 32756, 32756, 32757,
];

/// `sigmoid(x / 4096)` in Q15, for any `x`.
pub fn sigmoid_q15(x: i32) -> i32 {
	// Clamp to the table's domain [-8, 8), then shift it to [0, 65536): the top 8 bits pick
	// the segment, the low 8 bits interpolate within it.
	let t = i64::from(x).clamp(-(8 << GATE_FRAC_BITS), (8 << GATE_FRAC_BITS) - 1) + (8 << GATE_FRAC_BITS);
	let (idx, frac) = ((t >> 8) as usize, t & 0xff);
	let lo = i64::from(SIGMOID.get(idx).copied().unwrap_or(0));
	let hi = i64::from(SIGMOID.get(idx + 1).copied().unwrap_or(0));
	(lo + rounding_shift_right((hi - lo) * frac, 8)) as i32
}

/// `tanh(x / 4096)` in Q15, for any `x`: `2 sigmoid(2x) - 1`.
pub fn tanh_q15(x: i32) -> i32 {
	let doubled = saturate_i32(i64::from(x) * 2);
	(2 * i64::from(sigmoid_q15(doubled)) - ONE) as i32
}

/// `round(acc * multiplier / 2^shift)`, exact before the rounding.
fn rescale(acc: i64, r: Requant) -> i64 {
	rounding_shift_right(acc.saturating_mul(i64::from(r.multiplier)), u32::from(r.shift))
}

fn requant_at(requant: &[Requant], row: usize) -> Result<Requant, Error> {
	let r = if requant.len() == 1 { requant.first() } else { requant.get(row) };
	r.copied().ok_or(Error::ShapeMismatch { layer: 0 })
}

/// One gate row's two halves in Q12: the input part `x` (with the input bias) and the hidden
/// part `h` (with the hidden bias). GRU needs them apart (its reset gate scales the hidden
/// part of the candidate); LSTM adds them.
struct Halves {
	x: Vec<i64>,
	h: Vec<i64>,
	/// The rows' exact dot products with the input and the hidden state (fan-in at most
	/// `MAX_FAN_IN`, so they fit `i32`).
	dot_x: Vec<i32>,
	dot_h: Vec<i32>,
}

/// The layer's shape, checked against its parameter lengths.
struct Shape {
	f: usize,
	h: usize,
	rows: usize,
}

fn shape(layer: &Recurrent, gates: usize, x_len: usize) -> Result<(Shape, usize), Error> {
	let mismatch = Error::ShapeMismatch { layer: 0 };
	let (f, h) = (layer.input_size as usize, layer.hidden_size as usize);
	let rows = h.checked_mul(gates).ok_or(Error::Overflow)?;
	if f == 0
		|| h == 0
		|| !x_len.is_multiple_of(f)
		|| Some(layer.input_weights.len()) != rows.checked_mul(f)
		|| Some(layer.hidden_weights.len()) != rows.checked_mul(h)
		|| layer.input_bias.len() != rows
		|| layer.hidden_bias.len() != rows
	{
		return Err(mismatch);
	}
	Ok((Shape { f, h, rows }, x_len / f))
}

/// The Q12 pre-activations of every gate row for one step, into `out` (cleared first: the
/// buffers live across steps so a step allocates nothing).
fn halves(layer: &Recurrent, x: &[i16], hidden: &[i16], out: &mut Halves) -> Result<(), Error> {
	out.x.clear();
	out.h.clear();
	if !dot::matvec(&layer.input_weights, x, &mut out.dot_x)
		|| !dot::matvec(&layer.hidden_weights, hidden, &mut out.dot_h)
	{
		return Err(Error::ShapeMismatch { layer: 0 });
	}
	let dots = out.dot_x.iter().zip(&out.dot_h);
	for (row, ((&dx, &dh), (&bx, &bh))) in dots.zip(layer.input_bias.iter().zip(&layer.hidden_bias)).enumerate() {
		let ax = i64::from(saturate_i32(i64::from(dx) + i64::from(bx)));
		let ah = i64::from(saturate_i32(i64::from(dh) + i64::from(bh)));
		out.x.push(rescale(ax, requant_at(&layer.input_requant, row)?));
		out.h.push(rescale(ah, requant_at(&layer.hidden_requant, row)?));
	}
	Ok(())
}

/// Buffers of one layer's run.
struct State {
	/// `h_{t-1}`, widened for the dot products.
	hidden: Vec<i16>,
	/// `h_t`.
	next: Vec<i8>,
	/// `x_t - input_zero_point`.
	x: Vec<i16>,
	gates: Halves,
	out: Vec<i8>,
}

impl State {
	fn new(layer: &Recurrent, s: &Shape, steps: usize) -> Self {
		let out_len = if layer.sequence { steps.saturating_mul(s.h) } else { s.h };
		State {
			hidden: alloc::vec![0; s.h],
			next: alloc::vec![0; s.h],
			x: Vec::with_capacity(s.f),
			gates: Halves {
				x: Vec::with_capacity(s.rows),
				h: Vec::with_capacity(s.rows),
				dot_x: alloc::vec![0; s.rows],
				dot_h: alloc::vec![0; s.rows],
			},
			out: Vec::with_capacity(out_len),
		}
	}

	fn begin_step(&mut self, layer: &Recurrent, step: &[i8]) -> Result<(), Error> {
		self.x.clear();
		self.x.extend(step.iter().map(|&v| i16::from(v) - i16::from(layer.input_zero_point)));
		halves(layer, &self.x, &self.hidden, &mut self.gates)
	}

	fn end_step(&mut self, sequence: bool) {
		for (h, &n) in self.hidden.iter_mut().zip(&self.next) {
			*h = i16::from(n);
		}
		if sequence {
			self.out.extend_from_slice(&self.next);
		}
	}

	fn finish(mut self, sequence: bool) -> Vec<i8> {
		if !sequence {
			self.out.extend_from_slice(&self.next);
		}
		self.out
	}
}

fn pre(x: i64, h: i64) -> i32 {
	saturate_i32(x.saturating_add(h))
}

/// Runs an LSTM (ONNX gate order: input, output, forget, cell) over a `[steps, input_size]`
/// sequence from zero initial states. Returns every hidden state (`[steps, hidden_size]`)
/// or the last one, as `layer.sequence` says.
pub fn lstm(layer: &Recurrent, x: &[i8]) -> Result<Vec<i8>, Error> {
	let (s, steps) = shape(layer, 4, x.len())?;
	let mut st = State::new(layer, &s, steps);
	let mut cell = alloc::vec![0i64; s.h];
	for step in x.chunks_exact(s.f) {
		st.begin_step(layer, step)?;
		let g = &st.gates;
		let gate = |block: usize, j: usize| -> i32 {
			let row = block * s.h + j;
			pre(g.x.get(row).copied().unwrap_or(0), g.h.get(row).copied().unwrap_or(0))
		};
		for (j, (c, h_out)) in cell.iter_mut().zip(st.next.iter_mut()).enumerate() {
			let i = i64::from(sigmoid_q15(gate(0, j)));
			let o = i64::from(sigmoid_q15(gate(1, j)));
			let f = i64::from(sigmoid_q15(gate(2, j)));
			let candidate = i64::from(tanh_q15(gate(3, j)));
			// c = f c + i g, Q15 * Q15 -> Q30 -> Q15; |f c| < 2^46, exact.
			*c = i64::from(saturate_i32(rounding_shift_right(f * *c + i * candidate, FRAC)));
			let c_q12 = saturate_i32(rounding_shift_right(*c, FRAC - GATE_FRAC_BITS));
			// h = o tanh(c): Q30 -> Q7.
			let h = o * i64::from(tanh_q15(c_q12));
			*h_out = saturate_i8(rounding_shift_right(h, 2 * FRAC - HIDDEN_FRAC_BITS));
		}
		st.end_step(layer.sequence);
	}
	Ok(st.finish(layer.sequence))
}

/// Runs a GRU (ONNX gate order: update, reset, hidden; `linear_before_reset = 1`, as PyTorch
/// computes it: the reset gate scales the hidden part of the candidate after its bias) over
/// a `[steps, input_size]` sequence from a zero initial state. Output as for [`lstm`].
pub fn gru(layer: &Recurrent, x: &[i8]) -> Result<Vec<i8>, Error> {
	let (s, steps) = shape(layer, 3, x.len())?;
	let mut st = State::new(layer, &s, steps);
	for step in x.chunks_exact(s.f) {
		st.begin_step(layer, step)?;
		let g = &st.gates;
		let half = |v: &[i64], block: usize, j: usize| v.get(block * s.h + j).copied().unwrap_or(0);
		for (j, (h_out, &h_prev)) in st.next.iter_mut().zip(&st.hidden).enumerate() {
			let z = i64::from(sigmoid_q15(pre(half(&g.x, 0, j), half(&g.h, 0, j))));
			let r = i64::from(sigmoid_q15(pre(half(&g.x, 1, j), half(&g.h, 1, j))));
			// r (Q15) times the hidden part (Q12) stays Q12.
			let reset = rounding_shift_right(r.saturating_mul(half(&g.h, 2, j)), FRAC);
			let n = i64::from(tanh_q15(pre(half(&g.x, 2, j), reset)));
			// h = (1 - z) n + z h_prev, in Q30, then Q7.
			let prev = i64::from(h_prev) << (FRAC - HIDDEN_FRAC_BITS);
			let h = (ONE - z) * n + z * prev;
			*h_out = saturate_i8(rounding_shift_right(h, 2 * FRAC - HIDDEN_FRAC_BITS));
		}
		st.end_step(layer.sequence);
	}
	Ok(st.finish(layer.sequence))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn sigmoid_table_is_the_logistic_function() {
		for (k, &v) in SIGMOID.iter().enumerate() {
			let x = -8.0 + k as f64 / 16.0;
			assert_eq!(v, (32768.0 / (1.0 + (-x).exp())).round() as i32, "entry {k}");
		}
	}

	#[test]
	fn activations_are_within_a_thousandth_everywhere() {
		let mut worst = (0f64, 0f64);
		for x in (-40_000..40_000).step_by(7) {
			let real = x as f64 / 4096.0;
			let s = sigmoid_q15(x) as f64 / 32768.0;
			let t = tanh_q15(x) as f64 / 32768.0;
			worst.0 = worst.0.max((s - 1.0 / (1.0 + (-real).exp())).abs());
			worst.1 = worst.1.max((t - real.tanh()).abs());
		}
		assert!(worst.0 < 0.0004 && worst.1 < 0.0008, "worst errors {worst:?}");
		// The extremes saturate instead of wrapping.
		assert_eq!(sigmoid_q15(i32::MIN), 11);
		assert_eq!(sigmoid_q15(i32::MAX), 32757);
		assert_eq!(tanh_q15(i32::MIN), -32746);
		assert_eq!(tanh_q15(0), 0);
	}
}

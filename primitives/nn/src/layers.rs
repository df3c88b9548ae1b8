//! Integer arithmetic and the layer kernels.
//!
//! Kernels assume the layer was checked by [`Model::validate`](crate::Model::validate)
//! against the tensor it receives, but they still never index out of bounds or overflow:
//! a mismatch they notice is reported as [`Error::ShapeMismatch`] rather than trusted.

use alloc::vec::Vec;

use crate::dot;
use crate::error::Error;
use crate::format::{Conv2d, Dense, Lut, MaxPool2d, Requant};

/// `x / 2^shift` rounded to the nearest integer, halves away from zero.
///
/// Examples: `rounding_shift_right(5, 1) == 3`, `rounding_shift_right(-5, 1) == -3`,
/// `rounding_shift_right(-6, 2) == -2` (-1.5 rounds to -2), `rounding_shift_right(x, 0) ==
/// x`. Defined for every shift: `shift == 64` gives `±1` only for `|x| >= 2^63`, and a shift
/// of 65 or more gives 0. Works on the magnitude so that negatives round symmetrically and
/// `i64::MIN` does not overflow.
pub fn rounding_shift_right(x: i64, shift: u32) -> i64 {
	if shift == 0 {
		return x;
	}
	let magnitude = x.unsigned_abs();
	// floor(m / 2^s) plus the bit just below the cut: that is floor((m + 2^(s-1)) / 2^s)
	// without the addition that could overflow.
	let floor = magnitude.checked_shr(shift).unwrap_or(0);
	let half_bit = magnitude.checked_shr(shift - 1).unwrap_or(0) & 1;
	// At most 2^63 >> 1 + 1, so it fits in i64.
	let rounded = (floor + half_bit) as i64;
	if x < 0 {
		-rounded
	} else {
		rounded
	}
}

/// Clamps to `i8`.
pub fn saturate_i8(x: i64) -> i8 {
	x.clamp(i64::from(i8::MIN), i64::from(i8::MAX)) as i8
}

/// Clamps to `i32`.
pub fn saturate_i32(x: i64) -> i32 {
	x.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// `saturate_i8(round(acc * multiplier / 2^shift) + zero_point)`.
///
/// `acc * multiplier` is at most `2^62` in magnitude, exact in `i64`.
pub fn requantize(acc: i32, requant: Requant, zero_point: i8) -> i8 {
	let product = i64::from(acc) * i64::from(requant.multiplier);
	let scaled = rounding_shift_right(product, u32::from(requant.shift));
	saturate_i8(scaled.saturating_add(i64::from(zero_point)))
}

/// The accumulator: the exact dot product plus the bias, saturated to `i32`.
fn accumulate(dot: i32, bias: i32) -> i32 {
	saturate_i32(i64::from(dot) + i64::from(bias))
}

/// The requantizer of output channel `o`: per channel if there is one per channel, else the
/// single per-tensor one.
fn requant_for(requant: &[Requant], o: usize) -> Result<Requant, Error> {
	let r = if requant.len() == 1 { requant.first() } else { requant.get(o) };
	r.copied().ok_or(Error::ShapeMismatch { layer: 0 })
}

/// Inputs minus the zero point, widened so the products fit without casts in the loop.
fn centered(x: &[i8], zero_point: i8) -> Vec<i16> {
	x.iter().map(|&v| i16::from(v) - i16::from(zero_point)).collect()
}

/// Runs a [`Dense`] layer.
pub fn dense(layer: &Dense, x: &[i8]) -> Result<Vec<i8>, Error> {
	let n_in = layer.in_features as usize;
	let n_out = layer.out_features as usize;
	if n_in == 0 || x.len() != n_in || Some(layer.weights.len()) != n_in.checked_mul(n_out) {
		return Err(Error::ShapeMismatch { layer: 0 });
	}
	let xc = centered(x, layer.input_zero_point);
	let mut out = Vec::with_capacity(n_out);
	if layer.weights.len() < GATHER_MIN_WORK {
		// Tiny layers (a chain of them is the cost test's slowest shape per unit): row by row,
		// without the blocked kernel's setup.
		for (o, (row, &bias)) in layer.weights.chunks_exact(n_in).zip(&layer.bias).enumerate() {
			let acc = accumulate(dot::dot(row, &xc), bias);
			out.push(requantize(acc, requant_for(&layer.requant, o)?, layer.output_zero_point));
		}
	} else {
		dot::for_each_dot(&layer.weights, &xc, |o, d| {
			let bias = *layer.bias.get(o).ok_or(Error::ShapeMismatch { layer: 0 })?;
			out.push(requantize(accumulate(d, bias), requant_for(&layer.requant, o)?, layer.output_zero_point));
			Ok(())
		})?;
	}
	if out.len() != n_out {
		return Err(Error::ShapeMismatch { layer: 0 });
	}
	Ok(out)
}

/// `y = max(x, zero_point)`.
pub fn relu(x: &mut [i8], zero_point: i8) {
	for v in x {
		*v = (*v).max(zero_point);
	}
}

/// `y = table[x + 128]`.
pub fn lut(layer: &Lut, x: &mut [i8]) {
	for v in x {
		// Flipping the sign bit of the two's complement byte is adding 128.
		*v = layer.table[usize::from((*v as u8) ^ 0x80)];
	}
}

/// Output extent of a window operation: `(size + before + after - kernel) / stride + 1`, or
/// `None` if the kernel does not fit or the stride is zero.
pub fn window_out(size: u32, before: u32, after: u32, kernel: u32, stride: u32) -> Option<u32> {
	let padded = u64::from(size) + u64::from(before) + u64::from(after);
	let span = padded.checked_sub(u64::from(kernel))?;
	if kernel == 0 || stride == 0 {
		return None;
	}
	u32::try_from(span / u64::from(stride) + 1).ok()
}

/// For output position `o`, the kernel taps `k` in `start..end` that land inside the input
/// (`0 <= o * stride - pad + k < size`), and the input index of tap `start`.
///
/// In `i64` because `o * stride` may not fit a 32-bit `usize`; `o` is a valid output index,
/// so `o * stride <= size + padding < 2^34`.
fn taps(o: usize, stride: usize, pad: usize, kernel: usize, size: usize) -> (usize, usize, usize) {
	let origin = (o as i64).saturating_mul(stride as i64).saturating_sub(pad as i64);
	let start = (-origin).clamp(0, kernel as i64) as usize;
	let end = (size as i64 - origin).clamp(0, kernel as i64) as usize;
	if end <= start {
		// The window lies wholly in the padding: no taps (and no input index to speak of).
		return (start, start, 0);
	}
	let first = (origin + start as i64).max(0) as usize;
	(start, end, first)
}

/// Multiply-accumulates (per output pixel for a convolution: filters × taps) from which a
/// layer uses the blocked kernel ([`dot::for_each_dot`], after gathering the pixel's receptive
/// field for a convolution): below it the setup costs more than it saves
/// (`tests/cost_model.rs` measures both sides).
const GATHER_MIN_WORK: usize = 64;

/// The exact sum of one filter's taps that land inside the input: kernel rows `ky0..ky1`
/// starting at input row `iy0`, columns `kx0..kx1` starting at input column `ix0`, over every
/// input channel. `geometry` is (kernel height, kernel width, plane size, input width).
fn window_dot(
	filt: &[i8],
	xc: &[i16],
	(kh, kw, plane, w): (usize, usize, usize, usize),
	(ky0, ky1, iy0): (usize, usize, usize),
	(kx0, kx1, ix0): (usize, usize, usize),
) -> Result<i32, Error> {
	let mismatch = Error::ShapeMismatch { layer: 0 };
	let n = kx1 - kx0;
	let mut acc = 0i32;
	for (wplane, xplane) in filt.chunks_exact(kh * kw).zip(xc.chunks_exact(plane)) {
		for (dy, ky) in (ky0..ky1).enumerate() {
			let wrow = wplane.get(ky * kw + kx0..ky * kw + kx0 + n).ok_or(mismatch)?;
			let xs = (iy0 + dy) * w + ix0;
			let xrow = xplane.get(xs..xs + n).ok_or(mismatch)?;
			acc = acc.wrapping_add(dot::dot(wrow, xrow));
		}
	}
	Ok(acc)
}

/// Runs a [`Conv2d`] layer on a `[c, h, w]` tensor.
pub fn conv2d(layer: &Conv2d, x: &[i8], h: u32, w: u32) -> Result<(Vec<i8>, u32, u32), Error> {
	let mismatch = Error::ShapeMismatch { layer: 0 };
	let p = layer.padding;
	let oh = window_out(h, p.top, p.bottom, layer.kernel_h, layer.stride_h).ok_or(mismatch)?;
	let ow = window_out(w, p.left, p.right, layer.kernel_w, layer.stride_w).ok_or(mismatch)?;
	let (c_in, c_out) = (layer.in_channels as usize, layer.out_channels as usize);
	let (h, w, kh, kw) = (h as usize, w as usize, layer.kernel_h as usize, layer.kernel_w as usize);
	let plane = h.checked_mul(w).ok_or(Error::Overflow)?;
	let filter = c_in.checked_mul(kh).and_then(|v| v.checked_mul(kw)).ok_or(Error::Overflow)?;
	if filter == 0
		|| plane == 0
		|| Some(x.len()) != c_in.checked_mul(plane)
		|| Some(layer.weights.len()) != c_out.checked_mul(filter)
	{
		return Err(mismatch);
	}
	let xc = centered(x, layer.input_zero_point);
	let (oh_us, ow_us) = (oh as usize, ow as usize);
	let out_len = c_out.checked_mul(oh_us).and_then(|v| v.checked_mul(ow_us)).ok_or(Error::Overflow)?;
	let (sh, sw) = (layer.stride_h as usize, layer.stride_w as usize);
	let (pt, pl) = (p.top as usize, p.left as usize);
	let zp = layer.output_zero_point;
	if c_out.saturating_mul(filter) < GATHER_MIN_WORK {
		// Tiny filters: the taps inside the input summed row by row, filter by filter.
		let mut out = Vec::with_capacity(out_len);
		for (oc, (filt, &bias)) in layer.weights.chunks_exact(filter).zip(&layer.bias).enumerate() {
			let requant = requant_for(&layer.requant, oc)?;
			for oy in 0..oh_us {
				let (ky0, ky1, iy0) = taps(oy, sh, pt, kh, h);
				for ox in 0..ow_us {
					let (kx0, kx1, ix0) = taps(ox, sw, pl, kw, w);
					let acc = window_dot(filt, &xc, (kh, kw, plane, w), (ky0, ky1, iy0), (kx0, kx1, ix0))?;
					out.push(requantize(accumulate(acc, bias), requant, zp));
				}
			}
		}
		if out.len() != out_len {
			return Err(mismatch);
		}
		return Ok((out, oh, ow));
	}
	// One output pixel at a time. Where its window lies wholly inside the input, its receptive
	// field is gathered into `patch` and every filter's dot product with it taken in one pass
	// that shares each patch load among four filters; windows that touch the padding sum the
	// taps inside the input row by row, so padding costs nothing.
	let mut out = alloc::vec![0i8; out_len];
	let mut patch = alloc::vec![0i16; filter];
	for oy in 0..oh_us {
		let (ky0, ky1, iy0) = taps(oy, sh, pt, kh, h);
		for ox in 0..ow_us {
			let (kx0, kx1, ix0) = taps(ox, sw, pl, kw, w);
			let mut write = |oc: usize, d: i32| -> Result<(), Error> {
				let bias = *layer.bias.get(oc).ok_or(mismatch)?;
				let value = requantize(accumulate(d, bias), requant_for(&layer.requant, oc)?, zp);
				*out.get_mut((oc * oh_us + oy) * ow_us + ox).ok_or(mismatch)? = value;
				Ok(())
			};
			if kx1 - kx0 == kw && ky1 - ky0 == kh {
				for (pplane, xplane) in patch.chunks_exact_mut(kh * kw).zip(xc.chunks_exact(plane)) {
					for (prow, dy) in pplane.chunks_exact_mut(kw).zip(0..kh) {
						let xs = (iy0 + dy) * w + ix0;
						prow.copy_from_slice(xplane.get(xs..xs + kw).ok_or(mismatch)?);
					}
				}
				dot::for_each_dot(&layer.weights, &patch, &mut write)?;
			} else {
				for (oc, filt) in layer.weights.chunks_exact(filter).enumerate() {
					write(oc, window_dot(filt, &xc, (kh, kw, plane, w), (ky0, ky1, iy0), (kx0, kx1, ix0))?)?;
				}
			}
		}
	}
	if out.len() != out_len {
		return Err(mismatch);
	}
	Ok((out, oh, ow))
}

/// Runs a [`MaxPool2d`] layer on a `[c, h, w]` tensor.
pub fn max_pool2d(layer: &MaxPool2d, x: &[i8], c: u32, h: u32, w: u32) -> Result<(Vec<i8>, u32, u32), Error> {
	let mismatch = Error::ShapeMismatch { layer: 0 };
	let p = layer.padding;
	let oh = window_out(h, p.top, p.bottom, layer.kernel_h, layer.stride_h).ok_or(mismatch)?;
	let ow = window_out(w, p.left, p.right, layer.kernel_w, layer.stride_w).ok_or(mismatch)?;
	let (h, w, kh, kw) = (h as usize, w as usize, layer.kernel_h as usize, layer.kernel_w as usize);
	let plane = h.checked_mul(w).ok_or(Error::Overflow)?;
	if plane == 0 || Some(x.len()) != (c as usize).checked_mul(plane) {
		return Err(mismatch);
	}
	let (oh_us, ow_us) = (oh as usize, ow as usize);
	let out_len = (x.len() / plane).checked_mul(oh_us).and_then(|v| v.checked_mul(ow_us)).ok_or(Error::Overflow)?;
	let mut out = Vec::with_capacity(out_len);
	let (sh, sw) = (layer.stride_h as usize, layer.stride_w as usize);
	for xplane in x.chunks_exact(plane) {
		for oy in 0..oh_us {
			let (ky0, ky1, iy0) = taps(oy, sh, p.top as usize, kh, h);
			for ox in 0..ow_us {
				let (kx0, kx1, ix0) = taps(ox, sw, p.left as usize, kw, w);
				// An empty window (impossible once validated) yields the smallest value.
				let mut m = i8::MIN;
				for dy in 0..ky1 - ky0 {
					let xs = (iy0 + dy) * w + ix0;
					let row = xplane.get(xs..xs + (kx1 - kx0)).ok_or(mismatch)?;
					m = row.iter().copied().fold(m, i8::max);
				}
				out.push(m);
			}
		}
	}
	Ok((out, oh, ow))
}

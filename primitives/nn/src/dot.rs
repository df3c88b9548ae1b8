//! The engine's inner loop: exact dot products of `i8` weights with centered inputs.
//!
//! Dense, convolution and recurrent layers spend nearly all their time here. The sums are
//! exact: a product is at most `128 × 255` in magnitude and the fan-in bound (`MAX_FAN_IN`)
//! keeps a whole row's sum inside `i32`, and the adds wrap, which is addition modulo 2^32
//! and so the same for every order of the terms. That frees these kernels to block and
//! vectorize and still give the reference's bits (tests below and `tests/kernels.rs`).
//!
//! - The portable kernel takes four rows at a time, so one input load serves four
//!   multiply-adds: the scalar wasm the runtime runs (the executor turns wasm SIMD off).
//! - Native x86_64 builds (with `std`, for the node's off-chain workers and tools) detect AVX2
//!   (`vpmaddwd`, 16 products an instruction) at run time; an AVX-512 VNNI kernel (`vpdpwssd`,
//!   32) is there to choose with `MODELCHAIN_NN_KERNEL=avx512-vnni`.

use crate::error::Error;

/// Reference dot product: `Σ w[i] × x[i]` over the shorter of the two.
pub fn dot(w: &[i8], x: &[i16]) -> i32 {
	w.iter().zip(x).fold(0i32, |acc, (&w, &x)| acc.wrapping_add(i32::from(w) * i32::from(x)))
}

/// `out[r] = dot(rows[r·n .. (r+1)·n], x)` with `n = x.len()`, for every `r < out.len()`.
///
/// Returns false, writing nothing, unless `rows.len() == out.len() × x.len()` and `x` is not
/// empty; callers check their shapes first, so that is a bug report, not a panic.
pub fn matvec(rows: &[i8], x: &[i16], out: &mut [i32]) -> bool {
	if x.is_empty() || Some(rows.len()) != out.len().checked_mul(x.len()) {
		return false;
	}
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	{
		if x86::matvec(rows, x, out) {
			return true;
		}
	}
	matvec_portable(rows, x, out);
	true
}

/// Rows per [`for_each_dot`] block: its stack buffer's length.
const BLOCK: usize = 16;

/// Calls `f(r, dot(row r, x))` for every row `r` of `rows` (rows of `x.len()` weights), in
/// order, computing [`BLOCK`] rows at a time into a stack buffer so that a layer allocates
/// nothing for its accumulators. A mismatch of lengths is [`Error::ShapeMismatch`].
pub fn for_each_dot(rows: &[i8], x: &[i16], mut f: impl FnMut(usize, i32) -> Result<(), Error>) -> Result<(), Error> {
	let mismatch = Error::ShapeMismatch { layer: 0 };
	let n = x.len();
	let block_len = BLOCK.checked_mul(n).filter(|&l| l > 0).ok_or(mismatch)?;
	if !rows.len().is_multiple_of(n) {
		return Err(mismatch);
	}
	let mut buf = [0i32; BLOCK];
	for (b, block) in rows.chunks(block_len).enumerate() {
		let dots = buf.get_mut(..block.len() / n).ok_or(mismatch)?;
		if !matvec(block, x, dots) {
			return Err(mismatch);
		}
		for (i, &d) in dots.iter().enumerate() {
			f(b * BLOCK + i, d)?;
		}
	}
	Ok(())
}

/// Four rows at a time, then the rest one by one. Lengths as [`matvec`] checked them.
fn matvec_portable(rows: &[i8], x: &[i16], out: &mut [i32]) {
	let n = x.len();
	let mut blocks = rows.chunks_exact(4 * n);
	let mut outs = out.chunks_exact_mut(4);
	for (block, o) in (&mut blocks).zip(&mut outs) {
		let mut r = block.chunks_exact(n);
		let (Some(r0), Some(r1), Some(r2), Some(r3)) = (r.next(), r.next(), r.next(), r.next()) else { continue };
		let (mut a0, mut a1, mut a2, mut a3) = (0i32, 0i32, 0i32, 0i32);
		for ((((&x, &w0), &w1), &w2), &w3) in x.iter().zip(r0).zip(r1).zip(r2).zip(r3) {
			let x = i32::from(x);
			a0 = a0.wrapping_add(i32::from(w0) * x);
			a1 = a1.wrapping_add(i32::from(w1) * x);
			a2 = a2.wrapping_add(i32::from(w2) * x);
			a3 = a3.wrapping_add(i32::from(w3) * x);
		}
		for (o, a) in o.iter_mut().zip([a0, a1, a2, a3]) {
			*o = a;
		}
	}
	for (row, o) in blocks.remainder().chunks_exact(n).zip(outs.into_remainder()) {
		*o = dot(row, x);
	}
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod x86 {
	use core::arch::x86_64::*;

	/// Which kernel this CPU runs, detected once.
	#[derive(Clone, Copy, PartialEq, Eq, Debug)]
	pub enum Level {
		Portable,
		Avx2,
		Avx512Vnni,
	}

	/// The kernel to run: AVX2 if the CPU has it. `MODELCHAIN_NN_KERNEL=avx512-vnni` picks the
	/// AVX-512 VNNI kernel (if present) and `=portable` the portable one, for benchmarks and
	/// for comparing the kernels on one machine. AVX2 is the default even where AVX-512 VNNI
	/// exists because it measured faster on the development machine (a 256x256 layer at 22.4
	/// against 12.4 G MAC/s: the 512-bit kernel's per-row reduction and masked loads, and the
	/// clock the 512-bit units run at, cost more than the wider instruction saves).
	pub fn level() -> Level {
		static LEVEL: std::sync::OnceLock<Level> = std::sync::OnceLock::new();
		*LEVEL.get_or_init(|| {
			let choice = std::env::var("MODELCHAIN_NN_KERNEL").unwrap_or_default();
			let vnni = std::arch::is_x86_feature_detected!("avx512f")
				&& std::arch::is_x86_feature_detected!("avx512bw")
				&& std::arch::is_x86_feature_detected!("avx512vnni");
			let avx2 = std::arch::is_x86_feature_detected!("avx2");
			match choice.as_str() {
				"portable" => Level::Portable,
				"avx512-vnni" if vnni => Level::Avx512Vnni,
				_ if avx2 => Level::Avx2,
				_ => Level::Portable,
			}
		})
	}

	/// Runs the detected kernel; false if there is none better than the portable one.
	pub fn matvec(rows: &[i8], x: &[i16], out: &mut [i32]) -> bool {
		match level() {
			// SAFETY: `level` saw the CPU support every feature these functions enable.
			Level::Avx512Vnni => unsafe { matvec_vnni(rows, x, out) },
			// SAFETY: as above.
			Level::Avx2 => unsafe { matvec_avx2(rows, x, out) },
			Level::Portable => return false,
		}
		true
	}

	#[target_feature(enable = "avx2")]
	fn hsum256(v: __m256i) -> i32 {
		let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
		let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
		let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
		_mm_cvtsi128_si32(s)
	}

	/// 16 products per `vpmaddwd` (weights widened to `i16` first): pairs of products are at
	/// most 2 × 128 × 255 in magnitude, so the pairwise sums are exact, and `vpaddd` wraps
	/// like the reference. Four rows share each input load.
	#[target_feature(enable = "avx2")]
	pub(super) fn matvec_avx2(rows: &[i8], x: &[i16], out: &mut [i32]) {
		const L: usize = 16;
		let n = x.len();
		let body = n - n % L;
		let (xb, xt) = x.split_at(body);
		let load_w = |w: &[i8]| {
			// SAFETY: `w` has exactly 16 bytes (a `chunks_exact(16)` chunk).
			_mm256_cvtepi8_epi16(unsafe { _mm_loadu_si128(w.as_ptr().cast()) })
		};
		let load_x = |x: &[i16]| {
			// SAFETY: `x` has exactly 16 elements (a `chunks_exact(16)` chunk).
			unsafe { _mm256_loadu_si256(x.as_ptr().cast()) }
		};
		let mut blocks = rows.chunks_exact(4 * n);
		let mut outs = out.chunks_exact_mut(4);
		for (block, o) in (&mut blocks).zip(&mut outs) {
			let mut r = block.chunks_exact(n);
			let (Some(r0), Some(r1), Some(r2), Some(r3)) = (r.next(), r.next(), r.next(), r.next()) else { continue };
			let mut acc = [_mm256_setzero_si256(); 4];
			let chunks = xb
				.chunks_exact(L)
				.zip(r0.chunks_exact(L))
				.zip(r1.chunks_exact(L))
				.zip(r2.chunks_exact(L))
				.zip(r3.chunks_exact(L));
			for ((((xc, w0), w1), w2), w3) in chunks {
				let xv = load_x(xc);
				acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(load_w(w0), xv));
				acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(load_w(w1), xv));
				acc[2] = _mm256_add_epi32(acc[2], _mm256_madd_epi16(load_w(w2), xv));
				acc[3] = _mm256_add_epi32(acc[3], _mm256_madd_epi16(load_w(w3), xv));
			}
			for ((o, acc), row) in o.iter_mut().zip(acc).zip([r0, r1, r2, r3]) {
				*o = hsum256(acc).wrapping_add(super::dot(row.get(body..).unwrap_or_default(), xt));
			}
		}
		for (row, o) in blocks.remainder().chunks_exact(n).zip(outs.into_remainder()) {
			let mut acc = _mm256_setzero_si256();
			for (xc, w) in xb.chunks_exact(L).zip(row.chunks_exact(L)) {
				acc = _mm256_add_epi32(acc, _mm256_madd_epi16(load_w(w), load_x(xc)));
			}
			*o = hsum256(acc).wrapping_add(super::dot(row.get(body..).unwrap_or_default(), xt));
		}
	}

	/// 32 products per `vpdpwssd`: the same pairwise sums as `vpmaddwd`, added in the same
	/// instruction (without saturation, so it wraps like the reference). The last partial
	/// chunk is loaded under a mask (masked-off lanes read nothing and are zero), so short
	/// rows, like a small convolution's patches, stay vectorized too.
	#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
	pub(super) fn matvec_vnni(rows: &[i8], x: &[i16], out: &mut [i32]) {
		const L: usize = 32;
		let n = x.len();
		let chunks = n.div_ceil(L);
		// Lanes of chunk `c` inside the row: all but possibly in the last one.
		let mask = |c: usize| -> u32 {
			let left = n - c * L;
			if left >= L {
				u32::MAX
			} else {
				(1u32 << left) - 1
			}
		};
		let load_w = |w: &[i8], c: usize| {
			// SAFETY: `c * L < n = w.len()`, and the mask covers only the `min(L, n - c L)`
			// bytes from there, which are inside `w`; masked-off bytes are not read.
			_mm512_cvtepi8_epi16(unsafe { _mm256_maskz_loadu_epi8(mask(c), w.as_ptr().add(c * L)) })
		};
		let load_x = |c: usize| {
			// SAFETY: as for the weights, `x` has `n` elements.
			unsafe { _mm512_maskz_loadu_epi16(mask(c), x.as_ptr().add(c * L)) }
		};
		let mut blocks = rows.chunks_exact(4 * n);
		let mut outs = out.chunks_exact_mut(4);
		for (block, o) in (&mut blocks).zip(&mut outs) {
			let mut r = block.chunks_exact(n);
			let (Some(r0), Some(r1), Some(r2), Some(r3)) = (r.next(), r.next(), r.next(), r.next()) else { continue };
			let mut acc = [_mm512_setzero_si512(); 4];
			for c in 0..chunks {
				let xv = load_x(c);
				acc[0] = _mm512_dpwssd_epi32(acc[0], load_w(r0, c), xv);
				acc[1] = _mm512_dpwssd_epi32(acc[1], load_w(r1, c), xv);
				acc[2] = _mm512_dpwssd_epi32(acc[2], load_w(r2, c), xv);
				acc[3] = _mm512_dpwssd_epi32(acc[3], load_w(r3, c), xv);
			}
			for (o, acc) in o.iter_mut().zip(acc) {
				*o = _mm512_reduce_add_epi32(acc);
			}
		}
		for (row, o) in blocks.remainder().chunks_exact(n).zip(outs.into_remainder()) {
			let mut acc = _mm512_setzero_si512();
			for c in 0..chunks {
				acc = _mm512_dpwssd_epi32(acc, load_w(row, c), load_x(c));
			}
			*o = _mm512_reduce_add_epi32(acc);
		}
	}
}

/// The kernel [`matvec`] runs on this machine: `"avx512-vnni"`, `"avx2"` or `"portable"`.
pub fn kernel() -> &'static str {
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	{
		match x86::level() {
			x86::Level::Avx512Vnni => return "avx512-vnni",
			x86::Level::Avx2 => return "avx2",
			x86::Level::Portable => {}
		}
	}
	"portable"
}

#[cfg(test)]
mod tests {
	use super::*;

	fn rng(seed: &mut u64) -> u64 {
		*seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
		let mut z = *seed;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}

	/// Every row count (blocks of four and the rest) and every length around the vector
	/// widths, at the extreme values too: the detected kernel and the portable one give the
	/// reference's bits.
	#[test]
	fn kernels_match_the_reference() {
		let mut s = 1u64;
		for n in (1..=70).chain([127, 128, 129, 255, 256, 1000]) {
			for rows in 1..=9 {
				for extreme in [false, true] {
					let w: Vec<i8> = (0..rows * n)
						.map(|_| {
							if extreme {
								if rng(&mut s).is_multiple_of(2) {
									-128
								} else {
									127
								}
							} else {
								rng(&mut s) as i8
							}
						})
						.collect();
					let x: Vec<i16> = (0..n)
						.map(|_| {
							if extreme {
								if rng(&mut s).is_multiple_of(2) {
									-255
								} else {
									255
								}
							} else {
								(rng(&mut s) % 511) as i16 - 255
							}
						})
						.collect();
					let want: Vec<i32> = w.chunks_exact(n).map(|row| dot(row, &x)).collect();
					let mut got = vec![0; rows];
					assert!(matvec(&w, &x, &mut got));
					assert_eq!(got, want, "n {n}, rows {rows}, kernel {}", kernel());
					let mut portable = vec![0; rows];
					matvec_portable(&w, &x, &mut portable);
					assert_eq!(portable, want, "n {n}, rows {rows}, portable");
					#[cfg(all(feature = "std", target_arch = "x86_64"))]
					{
						if std::arch::is_x86_feature_detected!("avx2") {
							let mut got = vec![0; rows];
							// SAFETY: the CPU has AVX2.
							unsafe { x86::matvec_avx2(&w, &x, &mut got) };
							assert_eq!(got, want, "n {n}, rows {rows}, avx2");
						}
						if std::arch::is_x86_feature_detected!("avx512f")
							&& std::arch::is_x86_feature_detected!("avx512bw")
							&& std::arch::is_x86_feature_detected!("avx512vnni")
						{
							let mut got = vec![0; rows];
							// SAFETY: the CPU has AVX-512 F, BW and VNNI.
							unsafe { x86::matvec_vnni(&w, &x, &mut got) };
							assert_eq!(got, want, "n {n}, rows {rows}, avx512-vnni");
						}
					}
				}
			}
		}
	}

	#[test]
	fn the_largest_fan_in_sums_exactly() {
		let n = crate::MAX_FAN_IN as usize;
		let w = vec![-128i8; 2 * n];
		let x = vec![255i16; n];
		let mut got = [0; 2];
		assert!(matvec(&w, &x, &mut got));
		assert_eq!(got, [-128 * 255 * n as i32; 2]);
	}

	#[test]
	fn mismatched_lengths_write_nothing() {
		let mut out = [7; 2];
		assert!(!matvec(&[1; 5], &[1; 3], &mut out));
		assert!(!matvec(&[], &[], &mut out));
		assert_eq!(out, [7; 2]);
	}
}

//! The layer kernels against the layers' definitions written as plainly as possible (every
//! tap, `i64` sums, the padding skipped): the blocked, gathering and vectorized kernels must
//! give these bits for every shape, at the borders, with every stride and padding, on both
//! sides of the convolution's gathering threshold and with extreme values.

mod common;

use common::gen::Rng;
use modelchain_nn::layers::{conv2d, dense, requantize, saturate_i32, window_out};
use modelchain_nn::*;

fn requant_of(requant: &[Requant], o: usize) -> Requant {
	if requant.len() == 1 {
		requant[0]
	} else {
		requant[o]
	}
}

fn dense_definition(l: &Dense, x: &[i8]) -> Vec<i8> {
	let n = l.in_features as usize;
	(0..l.out_features as usize)
		.map(|o| {
			let sum: i64 = (0..n)
				.map(|i| i64::from(l.weights[o * n + i]) * (i64::from(x[i]) - i64::from(l.input_zero_point)))
				.sum();
			requantize(saturate_i32(sum + i64::from(l.bias[o])), requant_of(&l.requant, o), l.output_zero_point)
		})
		.collect()
}

fn conv_definition(l: &Conv2d, x: &[i8], h: u32, w: u32) -> Vec<i8> {
	let p = l.padding;
	let oh = window_out(h, p.top, p.bottom, l.kernel_h, l.stride_h).unwrap() as i64;
	let ow = window_out(w, p.left, p.right, l.kernel_w, l.stride_w).unwrap() as i64;
	let (h, w, kh, kw) = (h as i64, w as i64, l.kernel_h as i64, l.kernel_w as i64);
	let c_in = l.in_channels as i64;
	let mut out = Vec::new();
	for oc in 0..l.out_channels as i64 {
		for oy in 0..oh {
			for ox in 0..ow {
				let mut sum = 0i64;
				for ic in 0..c_in {
					for ky in 0..kh {
						for kx in 0..kw {
							let iy = oy * l.stride_h as i64 - p.top as i64 + ky;
							let ix = ox * l.stride_w as i64 - p.left as i64 + kx;
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue;
							}
							let wv = l.weights[(((oc * c_in + ic) * kh + ky) * kw + kx) as usize];
							let xv = x[((ic * h + iy) * w + ix) as usize];
							sum += i64::from(wv) * (i64::from(xv) - i64::from(l.input_zero_point));
						}
					}
				}
				let acc = saturate_i32(sum + i64::from(l.bias[oc as usize]));
				out.push(requantize(acc, requant_of(&l.requant, oc as usize), l.output_zero_point));
			}
		}
	}
	out
}

/// Mostly random bytes; one draw in four all at one extreme, so the sums reach their bounds.
fn values(r: &mut Rng, n: usize) -> Vec<i8> {
	match r.range(0, 7) {
		0 => vec![-128; n],
		1 => vec![127; n],
		_ => r.i8s(n),
	}
}

#[test]
fn dense_gives_the_definitions_bits() {
	let mut r = Rng(1);
	for case in 0..3_000 {
		let (n_in, n_out) = (r.range(1, 300), r.range(1, 70));
		let l = Dense {
			in_features: n_in,
			out_features: n_out,
			weights: values(&mut r, (n_in * n_out) as usize),
			bias: (0..n_out).map(|_| r.bias()).collect(),
			input_zero_point: r.i8(),
			output_zero_point: r.i8(),
			requant: r.requants(n_out),
		};
		let x = values(&mut r, n_in as usize);
		assert_eq!(dense(&l, &x).unwrap(), dense_definition(&l, &x), "case {case}: {n_in} -> {n_out}");
	}
}

#[test]
fn convolutions_give_the_definitions_bits() {
	let mut r = Rng(2);
	let mut tried = 0;
	let mut gathered = 0;
	for case in 0..6_000 {
		let (c_in, c_out) = (r.range(1, 6), r.pick(&[1, 2, 3, 5, 8, 16, 33]));
		let (kh, kw) = (r.range(1, 6), r.range(1, 6));
		let (h, w) = (r.range(1, 14), r.range(1, 14));
		let padding = Padding { top: r.range(0, 3), left: r.range(0, 3), bottom: r.range(0, 3), right: r.range(0, 3) };
		let (sh, sw) = (r.range(1, 3), r.range(1, 3));
		if window_out(h, padding.top, padding.bottom, kh, sh).is_none()
			|| window_out(w, padding.left, padding.right, kw, sw).is_none()
		{
			continue;
		}
		let l = Conv2d {
			in_channels: c_in,
			out_channels: c_out,
			kernel_h: kh,
			kernel_w: kw,
			stride_h: sh,
			stride_w: sw,
			padding,
			weights: values(&mut r, (c_out * c_in * kh * kw) as usize),
			bias: (0..c_out).map(|_| r.bias()).collect(),
			input_zero_point: r.i8(),
			output_zero_point: r.i8(),
			requant: r.requants(c_out),
		};
		let x = values(&mut r, (c_in * h * w) as usize);
		let (got, _, _) = conv2d(&l, &x, h, w).unwrap();
		assert_eq!(got, conv_definition(&l, &x, h, w), "case {case}: {l:?}");
		tried += 1;
		gathered += usize::from(c_out * c_in * kh * kw >= 64);
	}
	println!("{tried} convolutions, {gathered} above the gathering threshold");
	assert!(tried >= 3_000 && gathered >= 1_000, "{tried} convolutions, {gathered} above the gathering threshold");
}

//! `Model::cost` is what the chain charges for re-executing a model (`challenge`,
//! `verify_score`), at the rate its benchmarks measured on dense models. So the work per cost
//! unit of any model an attacker can build must stay within a known factor of that dense
//! rate, or a cheap-to-charge model stalls block production. Work here is wasmtime fuel (one
//! unit per wasm operator the engine executes, SIMD off as on the node): deterministic, the
//! same on every machine, unlike a clock.

mod common;

use common::gen::{random_model, Rng};
use common::shapes::{cases, reference};
use common::wasm::Harness;
use modelchain_nn::*;

/// Fuel of one inference of `m` on a fixed random input.
fn fuel(h: &mut Harness, m: &Model) -> u64 {
	let x = Rng(7).i8s(m.input_len() as usize);
	let (ip, il) = h.put_inputs(&x);
	assert!(h.load(&m.encode_blob()), "model does not decode");
	h.fuel_of_infer(ip, il)
}

/// The most work per cost unit any model may do, relative to the dense reference models.
/// `pallet-ml-bounties`' `WORST_FAMILY_FACTOR` (3) and `pallet-ml-predictions`' worst family
/// rate (2.3x dense) charge above it, leaving room for wasm operators that take longer than
/// the dense loop's.
const MAX_RATIO: f64 = 1.5;

/// Work per cost unit against the dense references', and every model over [`MAX_RATIO`].
struct Meter {
	h: Harness,
	reference: f64,
	worst: (f64, String),
	over: Vec<String>,
}

impl Meter {
	fn new() -> Self {
		let mut h = Harness::metered();
		let reference =
			reference().iter().map(|(_, m)| fuel(&mut h, m) as f64 / m.cost() as f64).fold(f64::INFINITY, f64::min);
		Meter { h, reference, worst: (0.0, String::new()), over: Vec::new() }
	}

	/// Measures `m`, remembers it as `label` if it is the worst so far or over the bound, and
	/// returns its fuel and ratio.
	fn measure(&mut self, label: String, m: &Model) -> (u64, f64) {
		let f = fuel(&mut self.h, m);
		let ratio = f as f64 / m.cost() as f64 / self.reference;
		if ratio > MAX_RATIO {
			self.over.push(format!("{label}: x{ratio:.2}"));
		}
		if ratio > self.worst.0 {
			self.worst = (ratio, label);
		}
		(f, ratio)
	}

	fn assert_within_bound(self) {
		println!("worst: x{:.2} ({})", self.worst.0, self.worst.1);
		assert!(self.over.is_empty(), "more work per cost unit than x{MAX_RATIO} the dense rate: {:#?}", self.over);
	}
}

#[test]
fn no_model_does_more_work_per_cost_unit_than_the_bound() {
	let mut meter = Meter::new();
	for (name, m) in cases() {
		let (f, ratio) = meter.measure(name.to_string(), &m);
		println!("{name:48} cost {:>10} fuel {:>11} x{ratio:.2}", m.cost(), f);
	}
	for seed in 0..300u64 {
		meter.measure(format!("random model {seed}"), &random_model(seed));
	}
	meter.assert_within_bound();
}

/// A stack of 1 to 6 layers of one kind with geometry drawn from wide ranges (fan-in 1 to
/// 64, kernels 1 to 15 in each direction, strides 1 to 8, 1 to 256 channels, planes from 1x1
/// to 128x128), so shapes nobody wrote down get tried too. Invalid draws are skipped.
fn random_shape(seed: u64) -> Option<Model> {
	use common::shapes::*;
	let r = &mut Rng(seed);
	let (c, h, w) = (r.pick(&[1, 2, 3, 8, 64, 256]), r.pick(&[1, 2, 7, 32, 128]), r.pick(&[1, 2, 7, 32, 128]));
	let n = r.range(1, 6) as usize;
	let layers = match r.range(0, 5) {
		0 => {
			let mut i = c * h * w;
			if i > 4096 {
				return None;
			}
			let mut layers = vec![Layer::Flatten];
			for _ in 0..n {
				let o = r.pick(&[1, 2, 10, 300]);
				layers.push(dense(i, o));
				i = o;
			}
			layers
		}
		1 => {
			let (kh, kw) = (r.pick(&[1, 2, 3, 15]), r.pick(&[1, 2, 3, 15]));
			let cout = r.pick(&[1, 4, 16, 64]);
			let stride = r.pick(&[1, 1, 2, 8]);
			let mut first = conv_hw(c, cout, kh, kw);
			let mut rest = conv_hw(cout, cout, kh, kw);
			for l in [&mut first, &mut rest] {
				if let Layer::Conv2d(cv) = l {
					cv.stride_h = stride;
					cv.stride_w = stride;
					let p = r.range(0, kh.max(kw));
					cv.padding = Padding { top: p.min(kh), left: p.min(kw), bottom: p.min(kh), right: p.min(kw) };
				}
			}
			let mut layers = vec![first];
			layers.extend(repeat(rest, n - 1));
			layers.push(Layer::Flatten);
			layers
		}
		2 => {
			let (kh, kw) = (r.pick(&[1, 2, 3, 15]), r.pick(&[1, 2, 3, 15]));
			let stride = r.pick(&[1, 1, 2, 8]);
			let mut layers = repeat(pool_hw(kh, kw, stride, 0), n);
			layers.push(Layer::Flatten);
			layers
		}
		3 => repeat(lut(), n * 8),
		4 => repeat(Layer::Relu { zero_point: r.i8() }, n * 8),
		_ => repeat(if r.bool() { Layer::Identity } else { Layer::Flatten }, n * 10),
	};
	let m = model(&[c, h, w], layers);
	let summary = m.validate(&Bounds::default()).ok()?;
	(summary.cost <= 20_000_000).then_some(m)
}

#[test]
fn randomly_shaped_stacks_stay_within_the_bound() {
	let mut meter = Meter::new();
	let mut tried = 0;
	for seed in 0..400u64 {
		let Some(m) = random_shape(seed) else { continue };
		tried += 1;
		meter.measure(format!("random shape {seed}"), &m);
	}
	println!("{tried} random shapes");
	assert!(tried >= 200, "only {tried} shapes were valid");
	meter.assert_within_bound();
}

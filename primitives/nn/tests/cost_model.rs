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

#[test]
fn no_model_does_more_work_per_cost_unit_than_the_bound() {
	let mut h = Harness::metered();
	let reference_rate =
		reference().iter().map(|(_, m)| fuel(&mut h, m) as f64 / m.cost() as f64).fold(f64::INFINITY, f64::min);
	let mut over = Vec::new();
	for (name, m) in cases() {
		let f = fuel(&mut h, &m);
		let ratio = f as f64 / m.cost() as f64 / reference_rate;
		println!("{name:48} cost {:>10} fuel {:>11} x{ratio:.2}", m.cost(), f);
		if ratio > MAX_RATIO {
			over.push(format!("{name}: x{ratio:.2}"));
		}
	}
	let mut worst = (0.0f64, 0u64);
	for seed in 0..300u64 {
		let m = random_model(seed);
		let ratio = fuel(&mut h, &m) as f64 / m.cost() as f64 / reference_rate;
		if ratio > worst.0 {
			worst = (ratio, seed);
		}
		if ratio > MAX_RATIO {
			over.push(format!("random model {seed}: x{ratio:.2}"));
		}
	}
	println!("random models: worst x{:.2} (seed {})", worst.0, worst.1);
	assert!(over.is_empty(), "more work per cost unit than x{MAX_RATIO} the dense rate: {over:#?}");
}

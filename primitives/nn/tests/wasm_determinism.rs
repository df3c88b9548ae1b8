//! The same models and inputs give identical bits natively and in wasm (wasmtime, SIMD
//! off, as the node runs the runtime).

mod common;

use common::gen::{broken_model, random_model, Rng};
use common::wasm::Harness;
use modelchain_nn::*;

fn native(blob: &[u8], input: &[i8]) -> common::wasm::RunResult {
	match Model::decode_blob(blob, &Bounds::default()) {
		Ok(m) => (m.run_raw(input), m.run(input), m.cost()),
		Err(e) => (Err(e), Err(e), 0),
	}
}

#[test]
fn random_models_agree_natively_and_in_wasm() {
	let mut h = Harness::new();
	let mut ran = 0;
	for seed in 0..300u64 {
		let m = random_model(seed);
		let blob = m.encode_blob();
		for k in 0..3 {
			let x = Rng(seed * 7 + k).i8s(m.input_len() as usize);
			let want = native(&blob, &x);
			assert!(want.0.is_ok(), "seed {seed}: {:?}", want.0);
			assert_eq!(h.run(&blob, &x), want, "seed {seed} input {k}");
			ran += 1;
		}
	}
	assert_eq!(ran, 900);
}

#[test]
fn broken_models_and_bad_bytes_agree() {
	let mut h = Harness::new();
	let mut errors = 0;
	for seed in 0..200u64 {
		let blob = broken_model(seed).encode_blob();
		let x = Rng(seed).i8s(64);
		let want = native(&blob, &x);
		errors += want.1.is_err() as u32;
		assert_eq!(h.run(&blob, &x), want, "seed {seed}");
		let mut corrupt = random_model(seed).encode_blob();
		let r = &mut Rng(seed);
		for _ in 0..3 {
			let i = r.range(0, corrupt.len() as u32 - 1) as usize;
			corrupt[i] = r.i8() as u8;
		}
		let m = Model::decode_blob(&corrupt, &Bounds::default());
		let x = Rng(seed).i8s(m.as_ref().map(|m| m.input_len() as usize).unwrap_or(3));
		assert_eq!(h.run(&corrupt, &x), native(&corrupt, &x), "corrupt seed {seed}");
	}
	assert!(errors > 20, "the broken models should mostly fail ({errors})");
}

#[test]
fn committed_digits_model_agrees() {
	let model = include_bytes!("../fixtures/digits_mlp.bin");
	let data = include_bytes!("../fixtures/digits_test.bin");
	let m = Model::decode_blob(model, &Bounds::default()).unwrap();
	let ds = Dataset::decode_blob(data, &DatasetBounds::default()).unwrap();
	let mut h = Harness::new();
	for i in 0..ds.samples().unwrap() {
		let (x, _) = ds.sample(i).unwrap();
		assert_eq!(h.run(model, x), native(model, x), "sample {i}");
	}
	let native_acc = Metric::Accuracy.evaluate(&m, &ds).unwrap();
	assert_eq!(h.evaluate(model, data, 0), Ok(native_acc));
	assert!(native_acc > 900_000, "accuracy {native_acc}");
}

#[test]
fn regression_metrics_agree() {
	let mut h = Harness::new();
	for seed in 0..20u64 {
		let mut m = random_model(seed);
		m.output = OutputKind::Regression { zero_point: 3, multiplier: 40_000 + seed as i32, shift: 2 };
		let out_len = m.validate(&Bounds::default()).unwrap().output_len;
		let r = &mut Rng(seed);
		let n = 10;
		let ds = Dataset {
			input_len: m.input_len(),
			inputs: r.i8s((m.input_len() * n) as usize),
			labels: Labels::Regression {
				outputs: out_len,
				values: (0..out_len * n).map(|_| r.next() as i32 >> 8).collect(),
			},
		};
		for (metric, id) in [(Metric::MeanSquaredError, 1), (Metric::MeanAbsoluteError, 2)] {
			let want = metric.evaluate(&m, &ds);
			assert!(want.is_ok());
			assert_eq!(h.evaluate(&m.encode_blob(), &ds.encode_blob(), id), want);
		}
	}
}

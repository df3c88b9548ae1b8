//! The two paths an off-chain worker can take give the same bits: the native engine behind the
//! host functions (with `NativeNnExt` registered, as the node does for off-chain workers) and the
//! runtime's engine in wasm (the engine built for `wasm32v1-none` and run in wasmtime with SIMD
//! off, as the node runs the runtime). Without the extension, `OffchainModel` falls back to the
//! runtime's engine.

// The engine's test helpers (its model generator and wasm harness, shared with
// `primitives/nn/tests`) are test code outside the runtime's lint wall.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used)]

#[path = "../../nn/tests/common/gen.rs"]
mod gen;
#[path = "../../nn/tests/common/wasm.rs"]
mod wasm;

use std::collections::BTreeMap;

use modelchain_nn::*;
use modelchain_nn_host::{nn_host, NativeNnExt, OffchainModel};
use polkadot_sdk::sp_io::TestExternalities;

fn with_extension<R>(ext: Option<NativeNnExt>, f: impl FnOnce() -> R) -> R {
	let mut externalities = TestExternalities::default();
	if let Some(ext) = ext {
		externalities.register_extension(ext);
	}
	externalities.execute_with(f)
}

fn key(seed: u64) -> [u8; 32] {
	let mut k = [0u8; 32];
	k[..8].copy_from_slice(&seed.to_le_bytes());
	k
}

fn kind(layer: &Layer) -> &'static str {
	match layer {
		Layer::Dense(_) => "dense",
		Layer::Conv2d(_) => "conv2d",
		Layer::MaxPool2d(_) => "max_pool2d",
		Layer::Relu { .. } => "relu",
		Layer::Lut(_) => "lut",
		Layer::Identity => "identity",
		Layer::Flatten => "flatten",
		Layer::Lstm(_) => "lstm",
		Layer::Gru(_) => "gru",
	}
}

#[test]
fn ten_thousand_random_pairs_agree_natively_and_in_wasm() {
	let mut h = wasm::Harness::new();
	let mut kinds = BTreeMap::new();
	let mut outputs = (0, 0);
	with_extension(Some(NativeNnExt::new()), || {
		for seed in 0..10_000u64 {
			let model = gen::random_model(seed);
			for layer in &model.layers {
				*kinds.entry(kind(layer)).or_insert(0) += 1;
			}
			let blob = model.encode_blob();
			let input = gen::Rng(seed ^ 0x5EED).i8s(model.input_len() as usize);
			let loaded = OffchainModel::load(key(seed), &blob, &Bounds::default()).expect("a valid model loads");
			assert!(loaded.is_native(), "the extension is registered");
			let native = loaded.run(&input).expect("the native engine keeps what it loaded");
			let (_, in_wasm, _) = h.run(&blob, &input);
			assert_eq!(native, in_wasm, "seed {seed}");
			match native {
				Ok(Output::Class(_)) => outputs.0 += 1,
				Ok(Output::Regression(_)) => outputs.1 += 1,
				Err(_) => {}
			}
		}
	});
	println!("layers by kind: {kinds:?}; outputs {outputs:?}");
	for k in ["dense", "conv2d", "max_pool2d", "relu", "lut", "identity", "flatten", "lstm", "gru"] {
		assert!(kinds.get(k).copied().unwrap_or(0) >= 100, "only {:?} {k} layers", kinds.get(k));
	}
	assert!(outputs.0 >= 1_000 && outputs.1 >= 1_000, "outputs of each kind: {outputs:?}");
}

#[test]
fn scoring_a_test_set_agrees_natively_and_in_wasm() {
	let model = include_bytes!("../../nn/fixtures/digits_mlp.bin");
	let test = include_bytes!("../../nn/fixtures/digits_test.bin");
	let bounds = DatasetBounds::default();
	let dataset = Dataset::decode_blob(test, &bounds).unwrap();
	let chunks: Vec<Vec<u8>> = dataset.split_into_chunks(4_000).unwrap().iter().map(|c| c.encode_blob()).collect();
	assert!(chunks.len() >= 5);
	let score = |ext: Option<NativeNnExt>| {
		with_extension(ext, || {
			let loaded = OffchainModel::load([7; 32], model, &Bounds::default()).unwrap();
			let mut acc = MetricAccumulator::new(Metric::Accuracy);
			for chunk in &chunks {
				loaded.add_chunk(&mut acc, chunk, &bounds).unwrap().unwrap();
			}
			(loaded.is_native(), acc.score().unwrap())
		})
	};
	let (native, native_score) = score(Some(NativeNnExt::new()));
	let (runtime, runtime_score) = score(None);
	assert!(native && !runtime);
	let in_wasm = wasm::Harness::new().evaluate(model, test, 0).unwrap();
	assert_eq!(native_score, in_wasm);
	assert_eq!(runtime_score, in_wasm);
	assert_eq!(in_wasm, 969_444, "the digits model's committed accuracy");
}

#[test]
fn errors_agree_and_a_bad_chunk_leaves_the_totals_alone() {
	let digits = include_bytes!("../../nn/fixtures/digits_mlp.bin");
	for ext in [Some(NativeNnExt::new()), None] {
		let native = ext.is_some();
		with_extension(ext, || {
			for seed in 0..300u64 {
				let blob = gen::broken_model(seed).encode_blob();
				let want = Model::decode_blob(&blob, &Bounds::default()).err();
				let got = OffchainModel::load(key(seed), &blob, &Bounds::default()).err();
				assert_eq!(got, want, "seed {seed}, native {native}");
			}
			let loaded = OffchainModel::load([1; 32], digits, &Bounds::default()).unwrap();
			assert_eq!(loaded.is_native(), native);
			let mut acc = MetricAccumulator::new(Metric::Accuracy);
			let before = acc;
			let result = loaded.add_chunk(&mut acc, &[0xFF, 1, 2], &DatasetBounds::default()).unwrap();
			assert!(result.is_err());
			assert_eq!(acc, before);
			// A wrong input length is the engine's error on both paths.
			assert!(matches!(loaded.run(&[0; 3]), Some(Err(Error::InputLengthMismatch { .. }))));
		});
	}
}

/// A run that loads more model bytes than the native cache keeps gets the rest in the runtime:
/// the node's memory stays bounded and nothing fails.
#[test]
fn past_the_cache_limit_models_run_in_the_runtime() {
	let digits = include_bytes!("../../nn/fixtures/digits_mlp.bin");
	let ext = NativeNnExt::with_max_cached_bytes(digits.len() + 10);
	with_extension(Some(ext), || {
		let first = OffchainModel::load([1; 32], digits, &Bounds::default()).unwrap();
		let again = OffchainModel::load([1; 32], digits, &Bounds::default()).unwrap();
		let second = OffchainModel::load([2; 32], digits, &Bounds::default()).unwrap();
		assert!(first.is_native() && again.is_native());
		assert!(!second.is_native(), "over the limit: decoded in the runtime");
		let x = vec![-128i8; 64];
		assert_eq!(first.run(&x), second.run(&x));
		// One model kept (loaded once), one prediction run natively, no chunk.
		let counts = sp_externalities::with_externalities(|mut e| {
			use sp_externalities::ExternalitiesExt;
			e.extension::<NativeNnExt>().map(|ext| ext.counts())
		});
		assert_eq!(counts, Some(Some((1, 1, 0))));
		// The host functions answer `None` for a model they never loaded.
		assert_eq!(nn_host::run([3; 32], &[0; 64]), None);
	});
}

/// Outside an off-chain worker run (no extension) every host function declines.
#[test]
fn without_the_extension_the_host_functions_decline() {
	let digits = include_bytes!("../../nn/fixtures/digits_mlp.bin");
	with_extension(None, || {
		assert_eq!(nn_host::load([1; 32], digits, Bounds::default()), None);
		assert_eq!(nn_host::run([1; 32], &[0; 64]), None);
		let acc = MetricAccumulator::new(Metric::Accuracy);
		assert_eq!(nn_host::add_chunk([1; 32], &[], DatasetBounds::default(), acc), None);
	});
}

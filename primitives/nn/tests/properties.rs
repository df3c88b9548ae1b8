//! Property tests: no input, model or byte string makes the engine panic, and blobs
//! round-trip.

mod common;

use common::gen::{broken_model, random_model, Rng};
use modelchain_nn::*;
use proptest::prelude::*;

fn input_for(m: &Model, seed: u64) -> Vec<i8> {
	Rng(seed).i8s(m.input_len().min(Bounds::default().max_tensor_len) as usize)
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(2_000))]

	#[test]
	fn valid_models_run_and_round_trip(seed in any::<u64>(), input_seed in any::<u64>()) {
		let m = random_model(seed);
		let summary = m.validate(&Bounds::default()).expect("generated models are valid");
		let blob = m.encode_blob();
		prop_assert_eq!(Model::decode_blob(&blob, &Bounds::default()), Ok(m.clone()));
		let x = input_for(&m, input_seed);
		let last = m.run_raw(&x).expect("a valid model runs on an input of its length");
		prop_assert_eq!(last.len() as u32, summary.output_len);
		match m.run(&x).unwrap() {
			Output::Class(c) => prop_assert!(c < summary.output_len),
			Output::Regression(v) => prop_assert_eq!(v.len() as u32, summary.output_len),
		}
		prop_assert!(m.cost() >= summary.macs);
		// One element short or long is an error, never a panic.
		let mut short = x.clone();
		short.pop();
		prop_assert!(m.run(&short).is_err());
	}

	#[test]
	fn broken_models_never_panic(seed in any::<u64>(), input_seed in any::<u64>()) {
		let m = broken_model(seed);
		let x = input_for(&m, input_seed);
		// Guard against the generator producing a model too large to run quickly here.
		if let Ok(s) = m.validate(&Bounds::default()) {
			let _ = m.run(&x);
			let blob = m.encode_blob();
			prop_assert_eq!(Model::decode_blob(&blob, &Bounds::default()).map(|_| ()), Ok(()));
			prop_assert_eq!(s.input_len, m.input_len());
		} else {
			prop_assert!(Model::decode_blob(&m.encode_blob(), &Bounds::default()).is_err());
			// Only run what cannot be huge: a model failing even unbounded validation.
			if m.validate(&Bounds::unbounded()).is_err() {
				prop_assert!(m.run(&x).is_err());
			}
		}
		let _ = m.cost();
	}

	#[test]
	fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
		let _ = Model::decode_blob(&bytes, &Bounds::default());
		let _ = Model::decode_blob(&bytes, &Bounds::unbounded());
		let _ = Dataset::decode_blob(&bytes, &DatasetBounds::default());
	}

	#[test]
	fn corrupted_blobs_never_panic(seed in any::<u64>(), flips in proptest::collection::vec((any::<u32>(), any::<u8>()), 1..8), cut in any::<u16>()) {
		let m = random_model(seed);
		let mut blob = m.encode_blob();
		for (pos, byte) in flips {
			let i = pos as usize % blob.len();
			blob[i] = byte;
		}
		if cut % 4 == 0 {
			blob.truncate(cut as usize % (blob.len() + 1));
		}
		if let Ok(decoded) = Model::decode_blob(&blob, &Bounds::default()) {
			let x = input_for(&decoded, seed);
			prop_assert!(decoded.run(&x).is_ok());
		}
	}

	#[test]
	fn datasets_round_trip_and_chunk(seed in any::<u64>(), max in 40u32..2_000) {
		let r = &mut Rng(seed);
		let input_len = r.range(1, 30);
		let n = r.range(0, 60);
		let inputs = r.i8s((input_len * n) as usize);
		let labels = if r.bool() {
			Labels::Class((0..n).map(|_| r.range(0, 9)).collect())
		} else {
			let k = r.range(1, 3);
			Labels::Regression { outputs: k, values: (0..n * k).map(|_| r.next() as i32).collect() }
		};
		let ds = Dataset { input_len, inputs, labels };
		prop_assert_eq!(Dataset::decode_blob(&ds.encode_blob(), &DatasetBounds::default()), Ok(ds.clone()));
		match ds.split_into_chunks(max) {
			Ok(chunks) => {
				let mut total = 0;
				for c in &chunks {
					prop_assert!(c.encode_blob().len() <= max as usize);
					total += c.samples().unwrap();
				}
				prop_assert_eq!(total, n);
			},
			Err(e) => prop_assert_eq!(e, Error::ChunkTooSmall),
		}
	}
}

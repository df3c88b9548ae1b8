//! Structured inputs: the first 8 bytes seed the test suite's model generator
//! (`tests/common/gen.rs`: every layer kind, recurrent ones included, valid or with one field
//! broken), the rest edit the model's blob as `(position, xor)` triples. Random bytes alone
//! rarely decode into a valid LSTM or convolution; this starts from models that do and
//! corrupts them. A model that decodes round-trips, runs on any input of its length, is
//! refused a shorter one, and costs at least its multiply-accumulates plus one unit per layer.
#![no_main]

#[path = "../../tests/common/gen.rs"]
mod gen;

use libfuzzer_sys::fuzz_target;
use modelchain_nn::{Bounds, Model, LAYER_COST};

fuzz_target!(|data: &[u8]| {
	let Some((seed, edits)) = data.split_first_chunk::<8>() else { return };
	let seed = u64::from_le_bytes(*seed);
	let model = if seed & 1 == 0 { gen::random_model(seed) } else { gen::broken_model(seed) };
	let mut blob = model.encode_blob();
	for edit in edits.chunks_exact(3) {
		let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % blob.len();
		blob[at] ^= edit[2];
	}
	let bounds = Bounds { max_macs: 2_000_000, max_tensor_len: 1 << 16, ..Bounds::default() };
	let Ok(model) = Model::decode_blob(&blob, &bounds) else { return };
	assert_eq!(Model::decode_blob(&model.encode_blob(), &bounds).as_ref(), Ok(&model));
	let summary = model.validate(&bounds).expect("a decoded model validates");
	assert!(summary.cost >= summary.macs + LAYER_COST * model.layers.len() as u64);
	let len = model.input_len() as usize;
	let input: Vec<i8> = (0..len).map(|i| (i as u8).wrapping_mul(seed as u8 | 1) as i8).collect();
	model.run(&input).expect("a decoded model runs on an input of its length");
	assert!(model.run(&input[..len - 1]).is_err());
});

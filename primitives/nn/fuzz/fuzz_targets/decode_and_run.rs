//! Any bytes: decoding never panics, and a model that decodes runs on any input of its
//! length without error. The first byte picks how the input is filled, the rest is the
//! model blob.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelchain_nn::{Bounds, Model};

fuzz_target!(|data: &[u8]| {
	let Some((&seed, blob)) = data.split_first() else { return };
	// Smaller than the defaults so each execution stays fast.
	let bounds = Bounds { max_macs: 2_000_000, max_tensor_len: 1 << 16, ..Bounds::default() };
	let Ok(model) = Model::decode_blob(blob, &bounds) else { return };
	assert_eq!(Model::decode_blob(&model.encode_blob(), &bounds).as_ref(), Ok(&model));
	let len = model.input_len() as usize;
	let input: Vec<i8> = (0..len).map(|i| (i as u8).wrapping_mul(seed).wrapping_add(blob.len() as u8) as i8).collect();
	model.run(&input).expect("a decoded model runs on an input of its length");
	assert!(model.run(&input[..len - 1]).is_err());
	let _ = model.cost();
});

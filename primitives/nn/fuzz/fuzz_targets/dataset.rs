//! Any bytes: dataset decoding, chunking and scoring never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelchain_nn::{Dataset, DatasetBounds, InputSpec, Metric, Model, OutputKind};

fuzz_target!(|data: &[u8]| {
	let Ok(ds) = Dataset::decode_blob(data, &DatasetBounds::default()) else { return };
	assert_eq!(Dataset::decode_blob(&ds.encode_blob(), &DatasetBounds::default()).as_ref(), Ok(&ds));
	if let Ok(chunks) = ds.split_into_chunks(256) {
		assert!(chunks.iter().all(|c| c.blob_len() <= 256));
	}
	let identity = |output| Model {
		input: InputSpec { shape: vec![ds.input_len], scale: 1, scale_shift: 0, zero_point: 0 },
		layers: vec![],
		output,
	};
	for metric in [Metric::Accuracy, Metric::MeanSquaredError, Metric::MeanAbsoluteError] {
		let _ = metric.evaluate(&identity(OutputKind::Class), &ds);
		let _ = metric.evaluate(&identity(OutputKind::Regression { zero_point: 1, multiplier: 3, shift: 1 }), &ds);
	}
});

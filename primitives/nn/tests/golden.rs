//! Golden vectors written by hand from the definitions in the crate docs and README.

use modelchain_nn::layers::{requantize, rounding_shift_right};
use modelchain_nn::*;

fn rq(multiplier: i32, shift: u8) -> Requant {
	Requant { multiplier, shift }
}

fn model(shape: &[u32], layers: Vec<Layer>, output: OutputKind) -> Model {
	Model { input: InputSpec { shape: shape.to_vec(), scale: 1, scale_shift: 0, zero_point: 0 }, layers, output }
}

fn raw(m: &Model, x: &[i8]) -> Vec<i8> {
	m.run_raw(x).expect("runs")
}

#[test]
fn rounding_is_half_away_from_zero() {
	let cases: &[(i64, u32, i64)] = &[
		(5, 1, 3),   // 2.5
		(-5, 1, -3), // -2.5
		(4, 1, 2),
		(1, 1, 1),   // 0.5
		(-1, 1, -1), // -0.5
		(7, 2, 2),   // 1.75
		(-7, 2, -2),
		(-5, 2, -1), // -1.25
		(-6, 2, -2), // -1.5
		(6, 2, 2),   // 1.5
		(123, 0, 123),
		(-123, 0, -123),
		(i64::MIN, 0, i64::MIN),
		(i64::MIN, 1, -(1 << 62)),
		(i64::MIN, 63, -1),
		(i64::MIN, 64, -1), // -0.5 rounds away
		(i64::MAX, 64, 0),  // just under 0.5
		(i64::MAX, 63, 1),
		(i64::MAX, 65, 0),
		(i64::MIN, 255, 0),
	];
	for &(x, s, want) in cases {
		assert_eq!(rounding_shift_right(x, s), want, "{x} >> {s}");
	}
}

#[test]
fn requantize_rounds_then_adds_zero_point_then_saturates() {
	assert_eq!(requantize(100, rq(1 << 30, 31), 0), 50);
	assert_eq!(requantize(-3, rq(1, 1), 0), -2); // -1.5
	assert_eq!(requantize(5, rq(1, 1), -10), -7); // 2.5 -> 3, then -10
	assert_eq!(requantize(1000, rq(1, 0), 0), 127);
	assert_eq!(requantize(-1000, rq(1, 0), 0), -128);
	assert_eq!(requantize(120, rq(1, 0), 10), 127); // saturates after the zero point
	assert_eq!(requantize(i32::MIN, rq(i32::MIN, 0), 0), 127); // 2^62, exact in i64
	assert_eq!(requantize(i32::MIN, rq(i32::MAX, 0), 0), -128);
	assert_eq!(requantize(i32::MAX, rq(i32::MAX, 200), 5), 5);
	assert_eq!(requantize(7, rq(-1, 1), 0), -4); // negative multiplier: -3.5 -> -4
}

fn dense_2x3(requant: Vec<Requant>) -> Layer {
	Layer::Dense(Dense {
		in_features: 3,
		out_features: 2,
		weights: vec![1, 2, 3, -1, 0, 1],
		bias: vec![10, -5],
		input_zero_point: 1,
		output_zero_point: -2,
		requant,
	})
}

#[test]
fn dense_per_tensor() {
	// centered input [2, -2, 4]; row 0: 2 - 4 + 12 + 10 = 20 -> 20/4 = 5 -> 3;
	// row 1: -2 + 4 - 5 = -3 -> -0.75 -> -1 -> -3.
	let m = model(&[3], vec![dense_2x3(vec![rq(1, 2)])], OutputKind::Class);
	assert_eq!(raw(&m, &[3, -1, 5]), vec![3, -3]);
	assert_eq!(m.run(&[3, -1, 5]), Ok(Output::Class(0)));
}

#[test]
fn dense_per_channel() {
	// row 0: 20 * 1 -> 20 - 2 = 18; row 1: -3 * 3 / 2 = -4.5 -> -5 -> -7.
	let m = model(&[3], vec![dense_2x3(vec![rq(1, 0), rq(3, 1)])], OutputKind::Class);
	assert_eq!(raw(&m, &[3, -1, 5]), vec![18, -7]);
}

#[test]
fn dense_saturates_output_and_accumulator() {
	let layer = |w: i8, bias: i32, requant: Requant| {
		Layer::Dense(Dense {
			in_features: 2,
			out_features: 1,
			weights: vec![w, w],
			bias: vec![bias],
			input_zero_point: -128,
			output_zero_point: 0,
			requant: vec![requant],
		})
	};
	// 127 * 255 * 2 = 64770 -> saturates to 127; -128 * 255 * 2 -> -128.
	assert_eq!(raw(&model(&[2], vec![layer(127, 0, rq(1, 0))], OutputKind::Class), &[127, 127]), vec![127]);
	assert_eq!(raw(&model(&[2], vec![layer(-128, 0, rq(1, 0))], OutputKind::Class), &[127, 127]), vec![-128]);
	// i32::MAX + 64770 saturates to i32::MAX; / 2^31 rounds to 1. A wrapping accumulator
	// would give -1.
	let m = model(&[2], vec![layer(127, i32::MAX, rq(1, 31))], OutputKind::Class);
	assert_eq!(raw(&m, &[127, 127]), vec![1]);
	let m = model(&[2], vec![layer(-128, i32::MIN, rq(1, 31))], OutputKind::Class);
	assert_eq!(raw(&m, &[127, 127]), vec![-1]);
}

#[test]
fn relu_identity_flatten() {
	let m = model(&[4], vec![Layer::Relu { zero_point: -3 }, Layer::Identity], OutputKind::Class);
	assert_eq!(raw(&m, &[-5, -3, 0, 7]), vec![-3, -3, 0, 7]);
	let m = model(&[2, 1, 2], vec![Layer::Flatten], OutputKind::Class);
	assert_eq!(raw(&m, &[1, 2, 3, 4]), vec![1, 2, 3, 4]);
	assert_eq!(m.validate(&Bounds::default()).unwrap().output_len, 4);
}

#[test]
fn lut_indexes_by_input_plus_128() {
	let mut table = [0i8; 256];
	for (i, t) in table.iter_mut().enumerate() {
		*t = (i / 2) as i8 - 64;
	}
	for kind in [LutKind::Sigmoid, LutKind::Tanh, LutKind::Generic] {
		let m = model(&[5], vec![Layer::Lut(Lut { kind, table })], OutputKind::Class);
		assert_eq!(raw(&m, &[-128, -1, 0, 1, 127]), vec![-64, -1, 0, 0, 63]);
	}
}

#[allow(clippy::too_many_arguments)]
fn conv(
	c_in: u32,
	c_out: u32,
	k: u32,
	stride: u32,
	pad: u32,
	weights: Vec<i8>,
	bias: Vec<i32>,
	zp: i8,
	requant: Vec<Requant>,
) -> Layer {
	Layer::Conv2d(Conv2d {
		in_channels: c_in,
		out_channels: c_out,
		kernel_h: k,
		kernel_w: k,
		stride_h: stride,
		stride_w: stride,
		padding: Padding { top: pad, left: pad, bottom: pad, right: pad },
		weights,
		bias,
		input_zero_point: zp,
		output_zero_point: 0,
		requant,
	})
}

#[test]
fn conv2d_valid_padded_strided() {
	let x: Vec<i8> = (1..=9).collect();
	// out(y, x) = in(y, x) - in(y + 1, x + 1) = -4 everywhere.
	let m =
		model(&[1, 3, 3], vec![conv(1, 1, 2, 1, 0, vec![1, 0, 0, -1], vec![0], 0, vec![rq(1, 0)])], OutputKind::Class);
	assert_eq!(raw(&m, &x), vec![-4; 4]);
	// Padding 1, stride 2: windows start at (-1,-1), (-1,1), (1,-1), (1,1); padding is real
	// zero, so with zero point 1 and inputs shifted by 1 the result is the same.
	let want = vec![-1, -3, -7, -4];
	let m =
		model(&[1, 3, 3], vec![conv(1, 1, 2, 2, 1, vec![1, 0, 0, -1], vec![0], 0, vec![rq(1, 0)])], OutputKind::Class);
	assert_eq!(raw(&m, &x), want);
	let shifted: Vec<i8> = x.iter().map(|v| v + 1).collect();
	let m =
		model(&[1, 3, 3], vec![conv(1, 1, 2, 2, 1, vec![1, 0, 0, -1], vec![0], 1, vec![rq(1, 0)])], OutputKind::Class);
	assert_eq!(raw(&m, &shifted), want);
	assert_eq!(m.validate(&Bounds::default()).unwrap().macs, 4 * 4);
	// 4 outputs, each 4 MACs, 2 kernel rows, a write and a window; 9 inputs, 4 outputs.
	assert_eq!(m.cost(), 256 + 9 * 2 + (4 * (4 + 2 * 12 + 24 + 24) + 64) + 4 * 8);
}

#[test]
fn conv2d_channels_per_channel_requant() {
	// Two 2x2 input planes, two 1x1 filters: out0 = A + B, out1 = (2A - B + 100) / 2.
	let x = vec![1, 2, 3, 4, 10, 20, 30, 40];
	let m = model(
		&[2, 2, 2],
		vec![conv(2, 2, 1, 1, 0, vec![1, 1, 2, -1], vec![0, 100], 0, vec![rq(1, 0), rq(1, 1)])],
		OutputKind::Class,
	);
	assert_eq!(raw(&m, &x), vec![11, 22, 33, 44, 46, 42, 38, 34]);
}

#[test]
fn max_pool_ignores_padding() {
	let x = vec![-5, 3, 2, -1, 7, -8, 0, 4, -2, -3, -9, -4, 1, 6, 5, -7];
	let pool = |pad: u32| {
		Layer::MaxPool2d(MaxPool2d {
			kernel_h: 2,
			kernel_w: 2,
			stride_h: 2,
			stride_w: 2,
			padding: Padding { top: pad, left: pad, bottom: pad, right: pad },
		})
	};
	assert_eq!(raw(&model(&[1, 4, 4], vec![pool(0)], OutputKind::Class), &x), vec![7, 4, 6, 5]);
	// With padding the corner windows see one real value each, and a negative one stays
	// negative (padding is not zero).
	assert_eq!(raw(&model(&[1, 4, 4], vec![pool(1)], OutputKind::Class), &x), vec![-5, 3, -1, 7, 0, 4, 1, 6, -7]);
	// 9 outputs, each 4 comparisons, 2 rows, a write and a window; 16 inputs, 9 outputs.
	let padded = model(&[1, 4, 4], vec![pool(1)], OutputKind::Class);
	assert_eq!(padded.cost(), 256 + 16 * 2 + (9 * (4 + 2 * 12 + 24 + 24) + 64) + 9 * 8);
}

#[test]
fn outputs() {
	assert_eq!(OutputKind::Class.apply(&[3, 7, 7, -1]), Output::Class(1));
	assert_eq!(OutputKind::Class.apply(&[-128, -128]), Output::Class(0));
	assert_eq!(OutputKind::Class.apply(&[]), Output::Class(0));
	let reg = OutputKind::Regression { zero_point: -2, multiplier: 3, shift: 1 };
	// (7 * 3) / 2 = 10.5 -> 11; (-1 * 3) / 2 = -1.5 -> -2.
	assert_eq!(reg.apply(&[5, -3, -2]), Output::Regression(vec![11, -2, 0]));
	let big = OutputKind::Regression { zero_point: -128, multiplier: i32::MAX, shift: 0 };
	assert_eq!(big.apply(&[127, -128]), Output::Regression(vec![i32::MAX, 0]));
	let neg = OutputKind::Regression { zero_point: 127, multiplier: i32::MAX, shift: 0 };
	assert_eq!(neg.apply(&[-128]), Output::Regression(vec![i32::MIN]));
}

#[test]
fn mlp_end_to_end_and_cost() {
	let m = model(
		&[3],
		vec![dense_2x3(vec![rq(1, 2)]), Layer::Relu { zero_point: -2 }, dense_2x3(vec![rq(1, 0)])],
		OutputKind::Class,
	);
	// The second dense needs 3 inputs but gets 2.
	assert_eq!(m.run(&[3, -1, 5]), Err(Error::ShapeMismatch { layer: 2 }));
	let second = Layer::Dense(Dense {
		in_features: 2,
		out_features: 3,
		weights: vec![1, 0, 0, 1, -1, -1],
		bias: vec![0, 0, 0],
		input_zero_point: -2,
		output_zero_point: 0,
		requant: vec![rq(1, 0)],
	});
	let m = model(&[3], vec![dense_2x3(vec![rq(1, 2)]), Layer::Relu { zero_point: -2 }, second], OutputKind::Class);
	// After dense+relu: [3, -2]; centered [5, 0] -> [5, 0, -5].
	assert_eq!(raw(&m, &[3, -1, 5]), vec![5, 0, -5]);
	assert_eq!(m.run(&[3, -1, 5]), Ok(Output::Class(0)));
	// macs 6 + 6; the run, 3 inputs, dense writing 2, relu 2, dense 3, 3 outputs.
	let s = m.validate(&Bounds::default()).unwrap();
	assert_eq!(s.macs, 12);
	assert_eq!(m.cost(), 12 + 256 + 3 * 2 + (2 * 24 + 64) + (2 * 2 + 64) + (3 * 24 + 64) + 3 * 8);
	assert_eq!(
		m.cost(),
		12 + RUN_COST
			+ 3 * INPUT_ELEMENT_COST
			+ (2 * WRITE_COST + LAYER_COST)
			+ (2 * ELEMENT_COST + LAYER_COST)
			+ (3 * WRITE_COST + LAYER_COST)
			+ 3 * OUTPUT_ELEMENT_COST
	);
	assert_eq!(m.input_len(), 3);
	assert_eq!(m.run(&[1, 2]), Err(Error::InputLengthMismatch { expected: 3, found: 2 }));
}

#[test]
fn metrics() {
	let id = model(&[3], vec![], OutputKind::Class);
	let ds = Dataset { input_len: 3, inputs: vec![1, 5, 2, 9, 0, 0, 0, 0, 4], labels: Labels::Class(vec![1, 1, 2]) };
	// predictions 1, 0, 2 -> 2 of 3 right -> 666_666 ppm (rounded down).
	assert_eq!(Metric::Accuracy.evaluate(&id, &ds), Ok(666_666));
	let reg = model(&[2], vec![], OutputKind::Regression { zero_point: 0, multiplier: 1 << 16, shift: 0 });
	// predictions 1.0, 2.0 against 0.0, 2.5: errors 1.0 and 0.5.
	let ds = Dataset {
		input_len: 1,
		inputs: vec![1, 2],
		labels: Labels::Regression { outputs: 1, values: vec![0, 5 << 15] },
	};
	let reg1 = model(&[1], vec![], reg.output);
	assert_eq!(Metric::MeanSquaredError.evaluate(&reg1, &ds), Ok(40_960)); // 0.625
	assert_eq!(Metric::MeanAbsoluteError.evaluate(&reg1, &ds), Ok(49_152)); // 0.75
	assert_eq!(Metric::Accuracy.evaluate(&reg1, &ds), Err(Error::MetricMismatch));
	assert_eq!(Metric::MeanSquaredError.evaluate(&reg, &ds), Err(Error::MetricMismatch));
	assert_eq!(MetricAccumulator::new(Metric::Accuracy).score(), Err(Error::EmptyDataset));
	// Direction and ties: equal is never better.
	assert!(Metric::Accuracy.better(2, 1) && !Metric::Accuracy.better(1, 2) && !Metric::Accuracy.better(1, 1));
	for m in [Metric::MeanSquaredError, Metric::MeanAbsoluteError] {
		assert_eq!(m.direction(), Direction::LowerIsBetter);
		assert!(m.better(1, 2) && !m.better(2, 1) && !m.better(2, 2));
	}
	// Rounding half up of the mean: errors 1/65536 and 0 -> mean 0.5 ulp -> 1.
	let ds =
		Dataset { input_len: 1, inputs: vec![0, 0], labels: Labels::Regression { outputs: 1, values: vec![1, 0] } };
	assert_eq!(Metric::MeanAbsoluteError.evaluate(&reg1, &ds), Ok(1));
}

#[test]
fn accumulating_chunks_equals_whole() {
	let id = model(&[2], vec![], OutputKind::Class);
	let inputs: Vec<i8> = (0..200).map(|i| ((i * 37) % 251) as i8).collect();
	let labels: Vec<u32> = (0..100).map(|i| i % 2).collect();
	let ds = Dataset { input_len: 2, inputs, labels: Labels::Class(labels) };
	let whole = Metric::Accuracy.evaluate(&id, &ds).unwrap();
	let chunks = ds.split_into_chunks(64).unwrap();
	assert!(chunks.len() > 1);
	let mut acc = MetricAccumulator::new(Metric::Accuracy);
	for c in &chunks {
		assert!(c.blob_len() <= 64);
		assert_eq!(c.blob_len(), c.encode_blob().len());
		c.check_chunk(64).unwrap();
		acc.add_chunk(&id, c).unwrap();
	}
	assert_eq!(acc.score().unwrap(), whole);
	assert_eq!(acc.count, 100);
}

#[test]
fn dataset_blob_round_trip_and_bounds() {
	let ds = Dataset {
		input_len: 2,
		inputs: vec![1, -2, 3, -4],
		labels: Labels::Regression { outputs: 2, values: vec![1, -1, i32::MAX, i32::MIN] },
	};
	let blob = ds.encode_blob();
	assert_eq!(blob.len(), ds.blob_len());
	assert_eq!(Dataset::decode_blob(&blob, &DatasetBounds::default()), Ok(ds.clone()));
	let tight = DatasetBounds { max_samples: 1, ..Default::default() };
	assert_eq!(Dataset::decode_blob(&blob, &tight), Err(Error::TooManySamples));
	let mut bad = blob.clone();
	bad[0] = 9;
	assert_eq!(Dataset::decode_blob(&bad, &DatasetBounds::default()), Err(Error::UnsupportedVersion { found: 9 }));
	let mut long = blob.clone();
	long.push(0);
	assert_eq!(Dataset::decode_blob(&long, &DatasetBounds::default()), Err(Error::TrailingBytes));
	let uneven = Dataset { input_len: 3, ..ds.clone() };
	assert_eq!(uneven.samples(), Err(Error::DatasetShapeMismatch));
	let one = Dataset { input_len: 1000, inputs: vec![0; 1000], labels: Labels::Class(vec![0]) };
	assert_eq!(one.split_into_chunks(500), Err(Error::ChunkTooSmall));
	assert_eq!(one.check_chunk(500), Err(Error::BlobTooLarge));
}

fn small_mlp() -> Model {
	model(&[3], vec![dense_2x3(vec![rq(1, 2)])], OutputKind::Class)
}

#[test]
fn decode_errors() {
	let b = Bounds::default();
	let blob = small_mlp().encode_blob();
	assert_eq!(blob[0], MODEL_FORMAT_VERSION);
	assert_eq!(Model::decode_blob(&blob, &b), Ok(small_mlp()));
	for cut in 0..blob.len() {
		assert_eq!(Model::decode_blob(&blob[..cut], &b), Err(Error::UnexpectedEnd), "cut at {cut}");
	}
	let mut long = blob.clone();
	long.push(0);
	assert_eq!(Model::decode_blob(&long, &b), Err(Error::TrailingBytes));
	let mut v2 = blob.clone();
	v2[0] = 2;
	assert_eq!(Model::decode_blob(&v2, &b), Err(Error::UnsupportedVersion { found: 2 }));
	assert_eq!(Model::decode_blob(&blob, &Bounds { max_blob_len: 3, ..b }), Err(Error::BlobTooLarge));
	assert_eq!(Model::decode_blob(&blob, &Bounds { max_parameters: 7, ..b }), Err(Error::TooManyParameters));
	assert_eq!(Model::decode_blob(&blob, &Bounds { max_layers: 0, ..b }), Err(Error::TooManyLayers));
	assert_eq!(Model::decode_blob(&blob, &Bounds { max_macs: 5, ..b }), Err(Error::TooManyMacs));
	let cost = small_mlp().cost();
	assert_eq!(Model::decode_blob(&blob, &Bounds { max_cost: cost - 1, ..b }), Err(Error::CostTooHigh));
	assert_eq!(Model::decode_blob(&blob, &Bounds { max_cost: cost, ..b }), Ok(small_mlp()));
	assert_eq!(
		Model::decode_blob(&blob, &Bounds { max_dimension: 2, ..b }),
		Err(Error::DimensionTooLarge { layer: u32::MAX })
	);
	// A weight vector claiming 2^28 entries in a short blob fails before allocating.
	let mut huge = vec![MODEL_FORMAT_VERSION, 4, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 4, 0];
	huge.extend_from_slice(&[3, 0, 0, 0, 2, 0, 0, 0]);
	huge.extend_from_slice(&[0x02, 0x00, 0x00, 0x40]); // compact 2^28
	assert_eq!(Model::decode_blob(&huge, &Bounds::unbounded()), Err(Error::UnexpectedEnd));
	assert_eq!(Model::decode_blob(&huge, &b), Err(Error::TooManyParameters));
	// Unknown layer tag.
	let mut tag = vec![MODEL_FORMAT_VERSION, 4, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 4, 9];
	assert_eq!(Model::decode_blob(&tag, &b), Err(Error::InvalidTag { found: 9 }));
	tag.truncate(12);
	tag.extend_from_slice(&[0, 7]); // no layers, output tag 7
	assert_eq!(Model::decode_blob(&tag, &b), Err(Error::InvalidTag { found: 7 }));
}

#[test]
fn validation_errors() {
	let b = Bounds::default();
	let check = |m: Model| m.validate(&b).err();
	let empty_shape = model(&[], vec![], OutputKind::Class);
	assert_eq!(check(empty_shape.clone()), Some(Error::InvalidRank { layer: u32::MAX }));
	assert_eq!(empty_shape.input_len(), 0);
	assert_eq!(empty_shape.run(&[]), Err(Error::InvalidRank { layer: u32::MAX }));
	assert_eq!(check(model(&[1, 1, 1, 1], vec![], OutputKind::Class)), Some(Error::InvalidRank { layer: u32::MAX }));
	assert_eq!(check(model(&[0], vec![], OutputKind::Class)), Some(Error::ZeroDimension { layer: u32::MAX }));
	// The product overflows u32; it must be caught, not wrapped.
	let big = model(&[65_536, 65_536, 65_536], vec![], OutputKind::Class);
	assert_eq!(check(big.clone()), Some(Error::TensorTooLarge { layer: u32::MAX }));
	assert_eq!(big.input_len(), u32::MAX);
	assert_eq!(big.cost(), u64::MAX);
	let dense = |i: u32, o: u32, w: usize, bias: usize, r: usize| {
		Layer::Dense(Dense {
			in_features: i,
			out_features: o,
			weights: vec![0; w],
			bias: vec![0; bias],
			input_zero_point: 0,
			output_zero_point: 0,
			requant: vec![rq(1, 0); r],
		})
	};
	assert_eq!(
		check(model(&[3], vec![dense(0, 2, 0, 2, 1)], OutputKind::Class)),
		Some(Error::ZeroDimension { layer: 0 })
	);
	assert_eq!(
		check(model(&[3], vec![dense(3, 0, 0, 0, 1)], OutputKind::Class)),
		Some(Error::ZeroDimension { layer: 0 })
	);
	assert_eq!(
		check(model(&[3], vec![dense(3, 2, 5, 2, 1)], OutputKind::Class)),
		Some(Error::ParameterCountMismatch { layer: 0 })
	);
	assert_eq!(
		check(model(&[3], vec![dense(3, 2, 6, 1, 1)], OutputKind::Class)),
		Some(Error::ParameterCountMismatch { layer: 0 })
	);
	assert_eq!(
		check(model(&[3], vec![dense(3, 2, 6, 2, 0)], OutputKind::Class)),
		Some(Error::RequantCountMismatch { layer: 0 })
	);
	assert_eq!(
		check(model(&[3], vec![dense(3, 2, 6, 2, 3)], OutputKind::Class)),
		Some(Error::RequantCountMismatch { layer: 0 })
	);
	assert_eq!(
		check(model(&[4], vec![dense(3, 2, 6, 2, 1)], OutputKind::Class)),
		Some(Error::ShapeMismatch { layer: 0 })
	);
	let wide = MAX_FAN_IN + 1;
	assert_eq!(
		model(&[wide], vec![dense(wide, 1, wide as usize, 1, 1)], OutputKind::Class)
			.validate(&Bounds::unbounded())
			.err(),
		Some(Error::FanInTooLarge { layer: 0 })
	);
	// A conv on a flat tensor, zero stride, and a kernel larger than the input.
	let c = |stride: u32, k: u32| conv(1, 1, k, stride, 0, vec![0; (k * k) as usize], vec![0], 0, vec![rq(1, 0)]);
	assert_eq!(check(model(&[9], vec![c(1, 2)], OutputKind::Class)), Some(Error::InvalidRank { layer: 0 }));
	assert_eq!(check(model(&[1, 3, 3], vec![c(0, 2)], OutputKind::Class)), Some(Error::ZeroDimension { layer: 0 }));
	assert_eq!(check(model(&[1, 3, 3], vec![c(1, 4)], OutputKind::Class)), Some(Error::InvalidWindow { layer: 0 }));
	assert_eq!(check(model(&[2, 3, 3], vec![c(1, 2)], OutputKind::Class)), Some(Error::ShapeMismatch { layer: 0 }));
	let pool = Layer::MaxPool2d(MaxPool2d {
		kernel_h: 2,
		kernel_w: 2,
		stride_h: 1,
		stride_w: 1,
		padding: Padding { top: 2, left: 0, bottom: 0, right: 0 },
	});
	assert_eq!(check(model(&[1, 3, 3], vec![pool], OutputKind::Class)), Some(Error::InvalidWindow { layer: 0 }));
}

//! Reading datasets from CSV and NumPy `.npy` files, and turning them into the engine's
//! [`Dataset`] format.

use std::io::Read;
use std::path::Path;

use modelchain_nn::{Dataset, InputSpec, Labels};
use npyz::{DType, NpyFile, TypeChar};

use crate::quantize::{quantize_input, to_fixed};
use crate::ImportError;

/// A table of numbers read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
	/// Row-major values, `rows * columns`.
	pub values: Vec<f32>,
	/// Number of rows (samples).
	pub rows: usize,
	/// Number of columns (features).
	pub columns: usize,
}

impl Table {
	/// Row `i`.
	pub fn row(&self, i: usize) -> &[f32] {
		&self.values[i * self.columns..(i + 1) * self.columns]
	}

	/// Every row as its own vector (the calibration input format).
	pub fn to_rows(&self) -> Vec<Vec<f32>> {
		(0..self.rows).map(|i| self.row(i).to_vec()).collect()
	}
}

/// Reads a CSV file of numbers. With `has_header` the first line is skipped. With
/// `label_column`, that column is returned separately as the labels (e.g. `Some(last)`);
/// negative indices are not supported, use the column count.
pub fn read_csv(
	reader: impl Read,
	has_header: bool,
	label_column: Option<usize>,
) -> Result<(Table, Option<Vec<f32>>), ImportError> {
	let mut r = csv::ReaderBuilder::new().has_headers(has_header).trim(csv::Trim::All).from_reader(reader);
	let mut values = Vec::new();
	let mut labels = label_column.map(|_| Vec::new());
	let mut columns = None;
	let mut rows = 0;
	for (line, record) in r.records().enumerate() {
		let record = record.map_err(|e| ImportError::Data(format!("CSV: {e}")))?;
		let mut n = 0;
		for (c, field) in record.iter().enumerate() {
			let v: f32 = field
				.parse()
				.map_err(|_| ImportError::Data(format!("CSV row {line}, column {c}: `{field}` is not a number")))?;
			if Some(c) == label_column {
				labels.as_mut().expect("label column set").push(v);
			} else {
				values.push(v);
				n += 1;
			}
		}
		if label_column.is_some_and(|l| l >= record.len()) {
			return Err(ImportError::Data(format!("CSV row {line} has no label column")));
		}
		match columns {
			None => columns = Some(n),
			Some(c) if c != n => return Err(ImportError::Data(format!("CSV row {line} has {n} values, expected {c}"))),
			_ => {}
		}
		rows += 1;
	}
	Ok((Table { values, rows, columns: columns.unwrap_or(0) }, labels))
}

/// Reads a CSV file (see [`read_csv`]).
pub fn read_csv_file(
	path: impl AsRef<Path>,
	has_header: bool,
	label_column: Option<usize>,
) -> Result<(Table, Option<Vec<f32>>), ImportError> {
	read_csv(std::fs::File::open(path)?, has_header, label_column)
}

fn npy_err(e: impl std::fmt::Display) -> ImportError {
	ImportError::Data(format!("npy: {e}"))
}

/// Reads a `.npy` array of any integer or float dtype (C order) as `f32`; returns the shape
/// and the values.
pub fn read_npy(bytes: &[u8]) -> Result<(Vec<u64>, Vec<f32>), ImportError> {
	let npy = NpyFile::new(bytes).map_err(npy_err)?;
	if npy.order() != npyz::Order::C {
		return Err(ImportError::Data("npy: Fortran order is not supported".into()));
	}
	let shape = npy.shape().to_vec();
	let DType::Plain(ts) = npy.dtype() else {
		return Err(ImportError::Data("npy: structured arrays are not supported".into()));
	};
	let size = ts.size_field();
	let values: Vec<f32> = match (ts.type_char(), size) {
		(TypeChar::Float, 4) => npy.into_vec::<f32>().map_err(npy_err)?,
		(TypeChar::Float, 8) => npy.into_vec::<f64>().map_err(npy_err)?.into_iter().map(|v| v as f32).collect(),
		(TypeChar::Int, 1) => npy.into_vec::<i8>().map_err(npy_err)?.into_iter().map(f32::from).collect(),
		(TypeChar::Uint, 1) => npy.into_vec::<u8>().map_err(npy_err)?.into_iter().map(f32::from).collect(),
		(TypeChar::Int, 2) => npy.into_vec::<i16>().map_err(npy_err)?.into_iter().map(f32::from).collect(),
		(TypeChar::Uint, 2) => npy.into_vec::<u16>().map_err(npy_err)?.into_iter().map(f32::from).collect(),
		(TypeChar::Int, 4) => npy.into_vec::<i32>().map_err(npy_err)?.into_iter().map(|v| v as f32).collect(),
		(TypeChar::Uint, 4) => npy.into_vec::<u32>().map_err(npy_err)?.into_iter().map(|v| v as f32).collect(),
		(TypeChar::Int, 8) => npy.into_vec::<i64>().map_err(npy_err)?.into_iter().map(|v| v as f32).collect(),
		(TypeChar::Uint, 8) => npy.into_vec::<u64>().map_err(npy_err)?.into_iter().map(|v| v as f32).collect(),
		(c, s) => return Err(ImportError::Data(format!("npy: dtype {c:?} of {s} bytes is not supported"))),
	};
	Ok((shape, values))
}

/// Reads a `.npy` file (see [`read_npy`]).
pub fn read_npy_file(path: impl AsRef<Path>) -> Result<(Vec<u64>, Vec<f32>), ImportError> {
	read_npy(&std::fs::read(path)?)
}

/// Reads a `.npy` file as a table: axis 0 is the samples, the other axes are flattened.
pub fn read_npy_table(path: impl AsRef<Path>) -> Result<Table, ImportError> {
	let (shape, values) = read_npy_file(path)?;
	let rows = *shape.first().unwrap_or(&1) as usize;
	let columns = values.len().checked_div(rows).unwrap_or(0);
	Ok(Table { values, rows, columns })
}

/// Reads a `.npy` file (see [`read_npy`]); kept for symmetry with [`read_npy_table`].
pub fn read_npy_f32(path: impl AsRef<Path>) -> Result<(Vec<u64>, Vec<f32>), ImportError> {
	read_npy_file(path)
}

fn check_width(spec: &InputSpec, inputs: &Table) -> Result<(), ImportError> {
	let want: usize = spec.shape.iter().map(|&d| d as usize).product();
	if inputs.columns != want {
		return Err(ImportError::Shape(format!("inputs have {} columns, the model takes {want}", inputs.columns)));
	}
	Ok(())
}

/// A classification dataset: inputs quantized with the model's input parameters, labels
/// as class indices (rounded, must be non-negative).
pub fn class_dataset(spec: &InputSpec, inputs: &Table, labels: &[f32]) -> Result<Dataset, ImportError> {
	check_width(spec, inputs)?;
	if labels.len() != inputs.rows {
		return Err(ImportError::Shape(format!("{} labels for {} samples", labels.len(), inputs.rows)));
	}
	let labels = labels
		.iter()
		.map(|&l| {
			if l >= 0.0 && l.fract() == 0.0 {
				Ok(l as u32)
			} else {
				Err(ImportError::Data(format!("label {l} is not a class index")))
			}
		})
		.collect::<Result<Vec<_>, _>>()?;
	let ds = Dataset {
		input_len: inputs.columns as u32,
		inputs: quantize_input(spec, &inputs.values),
		labels: Labels::Class(labels),
	};
	ds.samples()?;
	Ok(ds)
}

/// A regression dataset: inputs quantized with the model's input parameters, `targets`
/// (`rows * outputs` values) as fixed point.
pub fn regression_dataset(
	spec: &InputSpec,
	inputs: &Table,
	targets: &[f32],
	outputs: u32,
) -> Result<Dataset, ImportError> {
	check_width(spec, inputs)?;
	let ds = Dataset {
		input_len: inputs.columns as u32,
		inputs: quantize_input(spec, &inputs.values),
		labels: Labels::Regression { outputs, values: targets.iter().map(|&t| to_fixed(t)).collect() },
	};
	ds.samples()?;
	Ok(ds)
}

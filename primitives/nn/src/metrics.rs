//! Scoring a model on a dataset.
//!
//! Scores are `u64`: accuracy in parts per million (0..=1_000_000), the error metrics as
//! non-negative fixed-point numbers with `REGRESSION_FRAC_BITS` fractional bits, in the
//! label's units (squared units for the mean squared error).
//!
//! A score is built by a [`MetricAccumulator`] that adds chunk after chunk, so a long test
//! set can be scored in bounded steps, and the result does not depend on how the test set
//! was chunked.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::dataset::{Dataset, Label};
use crate::error::Error;
use crate::format::{Model, Output, OutputKind, REGRESSION_FRAC_BITS};

/// Whether a larger or a smaller score is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub enum Direction {
	/// Larger is better (accuracy).
	HigherIsBetter,
	/// Smaller is better (errors).
	LowerIsBetter,
}

/// A way to score a model on a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub enum Metric {
	/// Share of samples whose predicted class equals the label, in parts per million,
	/// rounded down. A label the model cannot output counts as wrong. Needs class labels
	/// and a [`OutputKind::Class`] model.
	Accuracy,
	/// Mean over all target values of `(prediction - target)^2`, fixed point with
	/// `REGRESSION_FRAC_BITS` fractional bits, rounded half up, saturated to `u64`. Needs
	/// regression labels and a [`OutputKind::Regression`] model with as many outputs.
	MeanSquaredError,
	/// Mean over all target values of `|prediction - target|`, fixed point with
	/// `REGRESSION_FRAC_BITS` fractional bits, rounded half up.
	MeanAbsoluteError,
}

impl Metric {
	/// Which way is better.
	pub fn direction(self) -> Direction {
		match self {
			Metric::Accuracy => Direction::HigherIsBetter,
			Metric::MeanSquaredError | Metric::MeanAbsoluteError => Direction::LowerIsBetter,
		}
	}

	/// Whether score `a` is strictly better than score `b`.
	///
	/// Equal scores are never better: the tie rule is that the incumbent (the score seen
	/// first, e.g. the earliest commitment in a bounty) keeps its place.
	pub fn better(self, a: u64, b: u64) -> bool {
		match self.direction() {
			Direction::HigherIsBetter => a > b,
			Direction::LowerIsBetter => a < b,
		}
	}

	/// Scores `model` on one whole dataset.
	pub fn evaluate(self, model: &Model, dataset: &Dataset) -> Result<u64, Error> {
		let mut acc = MetricAccumulator::new(self);
		acc.add_chunk(model, dataset)?;
		acc.score()
	}
}

/// Running totals of a metric over the chunks seen so far.
///
/// SCALE-encodable with a bounded size, so a runtime can keep it in storage between the
/// blocks of a chunked evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub struct MetricAccumulator {
	/// The metric being computed.
	pub metric: Metric,
	/// Samples seen (accuracy) or target values seen (error metrics).
	pub count: u64,
	/// Correctly classified samples (accuracy only).
	pub correct: u64,
	/// Sum of absolute errors (`REGRESSION_FRAC_BITS` fractional bits) or of squared errors
	/// (twice as many), saturating.
	pub error_sum: u128,
}

impl MetricAccumulator {
	/// Nothing seen yet.
	pub fn new(metric: Metric) -> Self {
		MetricAccumulator { metric, count: 0, correct: 0, error_sum: 0 }
	}

	/// Runs `model` on every sample of `chunk` and adds the results.
	///
	/// Checks first that the chunk is consistent, that its inputs have the model's input
	/// length and that its labels and the model's output kind fit the metric; on error
	/// nothing is added.
	pub fn add_chunk(&mut self, model: &Model, chunk: &Dataset) -> Result<(), Error> {
		let n = chunk.samples()?;
		if chunk.input_len != model.input_len() {
			return Err(Error::MetricMismatch);
		}
		let summary = model.validate(&crate::Bounds::unbounded())?;
		let fits = match (self.metric, &chunk.labels, model.output) {
			(Metric::Accuracy, crate::Labels::Class(_), OutputKind::Class) => true,
			(
				Metric::MeanSquaredError | Metric::MeanAbsoluteError,
				crate::Labels::Regression { outputs, .. },
				OutputKind::Regression { .. },
			) => *outputs == summary.output_len,
			_ => false,
		};
		if !fits {
			return Err(Error::MetricMismatch);
		}
		let mut next = *self;
		for i in 0..n {
			let (input, label) = chunk.sample(i).ok_or(Error::DatasetShapeMismatch)?;
			next.add(&model.run(input)?, label)?;
		}
		*self = next;
		Ok(())
	}

	/// Adds one prediction and its label.
	pub fn add(&mut self, output: &Output, label: Label<'_>) -> Result<(), Error> {
		match (self.metric, output, label) {
			(Metric::Accuracy, Output::Class(p), Label::Class(l)) => {
				self.count = self.count.saturating_add(1);
				if *p == l {
					self.correct = self.correct.saturating_add(1);
				}
			}
			(Metric::MeanSquaredError | Metric::MeanAbsoluteError, Output::Regression(p), Label::Regression(t)) => {
				if p.len() != t.len() {
					return Err(Error::MetricMismatch);
				}
				for (&p, &t) in p.iter().zip(t) {
					let e = (i64::from(p) - i64::from(t)).unsigned_abs();
					let e = u128::from(e);
					let term = if self.metric == Metric::MeanSquaredError { e * e } else { e };
					self.error_sum = self.error_sum.saturating_add(term);
					self.count = self.count.saturating_add(1);
				}
			}
			_ => return Err(Error::MetricMismatch),
		}
		Ok(())
	}

	/// The score of everything added so far. [`Error::EmptyDataset`] if nothing was.
	pub fn score(&self) -> Result<u64, Error> {
		if self.count == 0 {
			return Err(Error::EmptyDataset);
		}
		let count = u128::from(self.count);
		let value = match self.metric {
			Metric::Accuracy => u128::from(self.correct) * 1_000_000 / count,
			// Squared errors carry twice the fractional bits: divide the extra ones out too.
			Metric::MeanSquaredError => div_round_half_up(self.error_sum, count << REGRESSION_FRAC_BITS),
			Metric::MeanAbsoluteError => div_round_half_up(self.error_sum, count),
		};
		Ok(u64::try_from(value).unwrap_or(u64::MAX))
	}
}

/// `round(a / b)` with halves rounded up, for `b > 0`.
fn div_round_half_up(a: u128, b: u128) -> u128 {
	let q = a / b;
	let r = a % b;
	// r >= b - r, i.e. the remainder is at least half, without overflowing 2 * r.
	if r >= b - r {
		q + 1
	} else {
		q
	}
}

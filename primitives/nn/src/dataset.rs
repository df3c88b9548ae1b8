//! The dataset (test set) format and its chunking.
//!
//! A dataset blob is `DATASET_FORMAT_VERSION` followed by the SCALE encoding of [`Dataset`].
//! Large test sets are split into several datasets ("chunks"), each of which encodes to at
//! most [`MAX_BLOB_LEN`] bytes, so that each fits in one preimage and can be scored on its
//! own ([`crate::MetricAccumulator`] adds chunks up).

use alloc::vec::Vec;
use codec::{Compact, CompactLen, Encode};
use scale_info::TypeInfo;

use crate::decode::Reader;
use crate::error::Error;
use crate::format::MAX_BLOB_LEN;

/// Version byte that starts every dataset blob.
pub const DATASET_FORMAT_VERSION: u8 = 1;

/// The expected answers of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Encode, TypeInfo)]
pub enum Labels {
	/// One class index per sample.
	Class(Vec<u32>),
	/// `outputs` fixed-point targets per sample (`REGRESSION_FRAC_BITS` fractional bits),
	/// sample after sample.
	Regression {
		/// Targets per sample, at least 1.
		outputs: u32,
		/// `samples * outputs` values.
		values: Vec<i32>,
	},
}

/// Quantized inputs and their labels.
///
/// The inputs are quantized with the model's [`InputSpec`](crate::InputSpec): sample `i` is
/// `inputs[i * input_len .. (i + 1) * input_len]`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, TypeInfo)]
pub struct Dataset {
	/// Elements of one input, at least 1.
	pub input_len: u32,
	/// All inputs, one after the other.
	pub inputs: Vec<i8>,
	/// The labels.
	pub labels: Labels,
}

/// Limits a dataset blob is checked against when it is decoded.
#[derive(
	Debug,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	codec::Decode,
	codec::DecodeWithMemTracking,
	TypeInfo,
	codec::MaxEncodedLen,
)]
pub struct DatasetBounds {
	/// Longest blob accepted, in bytes.
	pub max_blob_len: u32,
	/// Most samples.
	pub max_samples: u32,
	/// Largest `input_len`.
	pub max_input_len: u32,
	/// Largest regression `outputs`.
	pub max_outputs: u32,
}

impl Default for DatasetBounds {
	fn default() -> Self {
		DatasetBounds { max_blob_len: MAX_BLOB_LEN, max_samples: 1 << 20, max_input_len: 1 << 20, max_outputs: 1024 }
	}
}

/// The label of one sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label<'a> {
	/// A class index.
	Class(u32),
	/// Fixed-point targets.
	Regression(&'a [i32]),
}

/// Bytes of the version byte, `input_len`, the labels tag and `outputs`, plus the largest
/// two compact lengths: an upper bound on everything in a blob but the samples.
const HEADER_MAX: usize = 1 + 4 + 1 + 4 + 2 * 5;

impl Dataset {
	/// Number of samples, or an error if the inputs or labels do not fit together.
	pub fn samples(&self) -> Result<u32, Error> {
		if self.input_len == 0 || !self.inputs.len().is_multiple_of(self.input_len as usize) {
			return Err(Error::DatasetShapeMismatch);
		}
		let n = self.inputs.len() / self.input_len as usize;
		let labels_ok = match &self.labels {
			Labels::Class(c) => c.len() == n,
			Labels::Regression { outputs, values } => {
				*outputs != 0 && Some(values.len()) == n.checked_mul(*outputs as usize)
			}
		};
		if !labels_ok {
			return Err(Error::DatasetShapeMismatch);
		}
		u32::try_from(n).map_err(|_| Error::TooManySamples)
	}

	/// Sample `i`: its input and its label. `None` past the end or if the dataset is
	/// inconsistent.
	pub fn sample(&self, i: u32) -> Option<(&[i8], Label<'_>)> {
		let i = i as usize;
		let n_in = self.input_len as usize;
		let input = self.inputs.get(i.checked_mul(n_in)?..i.checked_add(1)?.checked_mul(n_in)?)?;
		let label = match &self.labels {
			Labels::Class(c) => Label::Class(*c.get(i)?),
			Labels::Regression { outputs, values } => {
				let k = *outputs as usize;
				Label::Regression(values.get(i.checked_mul(k)?..i.checked_add(1)?.checked_mul(k)?)?)
			}
		};
		Some((input, label))
	}

	/// The blob: the version byte, then the SCALE encoding.
	pub fn encode_blob(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(1 + self.encoded_size());
		out.push(DATASET_FORMAT_VERSION);
		self.encode_to(&mut out);
		out
	}

	/// Decodes and checks a dataset blob: length, version, each vector length against
	/// `bounds` and the bytes left (before allocating), no trailing bytes, and that inputs
	/// and labels describe the same number of samples.
	pub fn decode_blob(bytes: &[u8], bounds: &DatasetBounds) -> Result<Dataset, Error> {
		if bytes.len() > bounds.max_blob_len as usize {
			return Err(Error::BlobTooLarge);
		}
		let mut r = Reader::new(bytes);
		let version = r.u8()?;
		if version != DATASET_FORMAT_VERSION {
			return Err(Error::UnsupportedVersion { found: version });
		}
		let input_len = r.u32()?;
		if input_len == 0 || input_len > bounds.max_input_len {
			return Err(Error::DatasetShapeMismatch);
		}
		let max_inputs = u64::from(bounds.max_samples).saturating_mul(u64::from(input_len));
		let inputs = r.vec_i8(max_inputs, Error::TooManySamples)?;
		let labels = match r.u8()? {
			0 => Labels::Class(r.vec_u32(u64::from(bounds.max_samples), Error::TooManySamples)?),
			1 => {
				let outputs = r.u32()?;
				if outputs == 0 || outputs > bounds.max_outputs {
					return Err(Error::DatasetShapeMismatch);
				}
				let max = u64::from(bounds.max_samples).saturating_mul(u64::from(outputs));
				Labels::Regression { outputs, values: r.vec_i32(max, Error::TooManySamples)? }
			}
			found => return Err(Error::InvalidTag { found }),
		};
		r.finish()?;
		let dataset = Dataset { input_len, inputs, labels };
		dataset.samples()?;
		Ok(dataset)
	}

	/// Bytes one sample adds to a blob (input plus label), excluding compact-length growth.
	fn sample_bytes(&self) -> Result<usize, Error> {
		let label = match &self.labels {
			Labels::Class(_) => 4usize,
			Labels::Regression { outputs, .. } => (*outputs as usize).checked_mul(4).ok_or(Error::Overflow)?,
		};
		(self.input_len as usize).checked_add(label).ok_or(Error::Overflow)
	}

	/// Splits the dataset, in order, into chunks whose blobs are each at most
	/// `max_blob_len` bytes (every chunk holds as many samples as fit; the last may hold
	/// fewer). An empty dataset gives no chunks.
	pub fn split_into_chunks(&self, max_blob_len: u32) -> Result<Vec<Dataset>, Error> {
		let n = self.samples()? as usize;
		let per = self.sample_bytes()?;
		let room = (max_blob_len as usize).saturating_sub(HEADER_MAX);
		let per_chunk = room.checked_div(per).unwrap_or(0);
		if per_chunk == 0 {
			return if n == 0 { Ok(Vec::new()) } else { Err(Error::ChunkTooSmall) };
		}
		let n_in = self.input_len as usize;
		let mut chunks = Vec::with_capacity(n.div_ceil(per_chunk));
		let mut start = 0usize;
		while start < n {
			let end = n.min(start.saturating_add(per_chunk));
			let inputs = self.inputs.get(start * n_in..end * n_in).ok_or(Error::DatasetShapeMismatch)?.to_vec();
			let labels = match &self.labels {
				Labels::Class(c) => Labels::Class(c.get(start..end).ok_or(Error::DatasetShapeMismatch)?.to_vec()),
				Labels::Regression { outputs, values } => {
					let k = *outputs as usize;
					Labels::Regression {
						outputs: *outputs,
						values: values.get(start * k..end * k).ok_or(Error::DatasetShapeMismatch)?.to_vec(),
					}
				}
			};
			chunks.push(Dataset { input_len: self.input_len, inputs, labels });
			start = end;
		}
		Ok(chunks)
	}

	/// Exact length of [`Dataset::encode_blob`], computed without encoding.
	pub fn blob_len(&self) -> usize {
		let compact = |n: usize| Compact::<u32>::compact_len(&(n as u32));
		let labels = match &self.labels {
			Labels::Class(c) => compact(c.len()) + 4 * c.len(),
			Labels::Regression { values, .. } => 4 + compact(values.len()) + 4 * values.len(),
		};
		1 + 4 + compact(self.inputs.len()) + self.inputs.len() + 1 + labels
	}

	/// Whether the blob fits in `max_blob_len` bytes (a chunk must, to be stored on chain).
	pub fn check_chunk(&self, max_blob_len: u32) -> Result<(), Error> {
		self.samples()?;
		if self.blob_len() > max_blob_len as usize {
			return Err(Error::BlobTooLarge);
		}
		Ok(())
	}
}

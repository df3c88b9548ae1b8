//! Bounded decoding of model blobs.
//!
//! The reader mirrors the derived SCALE encoding of the types in [`crate::format`] field by
//! field. It never trusts a length: each one is checked against the bounds and against the
//! bytes that remain before anything is allocated, so the memory a blob can make us allocate
//! is at most a small multiple of its own size. Shapes are checked afterwards by
//! [`Model::validate`].

use alloc::vec::Vec;
use codec::{Compact, Decode};

use crate::error::Error;
use crate::format::*;

/// A cursor over untrusted bytes.
pub(crate) struct Reader<'a> {
	rest: &'a [u8],
}

impl<'a> Reader<'a> {
	pub(crate) fn new(bytes: &'a [u8]) -> Self {
		Reader { rest: bytes }
	}

	pub(crate) fn finish(self) -> Result<(), Error> {
		if self.rest.is_empty() {
			Ok(())
		} else {
			Err(Error::TrailingBytes)
		}
	}

	pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
		if n > self.rest.len() {
			return Err(Error::UnexpectedEnd);
		}
		let (head, tail) = self.rest.split_at(n);
		self.rest = tail;
		Ok(head)
	}

	fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
		let bytes = self.take(N)?;
		let mut out = [0u8; N];
		out.copy_from_slice(bytes);
		Ok(out)
	}

	pub(crate) fn u8(&mut self) -> Result<u8, Error> {
		Ok(self.array::<1>()?[0])
	}

	pub(crate) fn i8(&mut self) -> Result<i8, Error> {
		Ok(self.u8()? as i8)
	}

	pub(crate) fn u32(&mut self) -> Result<u32, Error> {
		Ok(u32::from_le_bytes(self.array()?))
	}

	pub(crate) fn i32(&mut self) -> Result<i32, Error> {
		Ok(i32::from_le_bytes(self.array()?))
	}

	/// A SCALE compact length. Its size is checked by the caller (`len`).
	fn compact_len(&mut self) -> Result<u32, Error> {
		let first = *self.rest.first().ok_or(Error::UnexpectedEnd)?;
		// Bytes the compact encoding occupies, from its two mode bits.
		let needed = match first & 0b11 {
			0 => 1,
			1 => 2,
			2 => 4,
			_ => usize::from(first >> 2) + 5,
		};
		if self.rest.len() < needed {
			return Err(Error::UnexpectedEnd);
		}
		let mut input = self.rest;
		let len = <Compact<u32>>::decode(&mut input).map_err(|_| Error::InvalidLength)?;
		self.rest = input;
		Ok(len.0)
	}

	/// A vector length, checked to be at most `max` and to fit in the remaining bytes at
	/// `elem_size` bytes each, before any allocation.
	pub(crate) fn len(&mut self, max: u64, elem_size: usize, too_many: Error) -> Result<usize, Error> {
		let len = self.compact_len()?;
		if u64::from(len) > max {
			return Err(too_many);
		}
		let len = usize::try_from(len).map_err(|_| Error::Overflow)?;
		let bytes = len.checked_mul(elem_size).ok_or(Error::Overflow)?;
		if bytes > self.rest.len() {
			return Err(Error::UnexpectedEnd);
		}
		Ok(len)
	}

	pub(crate) fn vec_i8(&mut self, max: u64, too_many: Error) -> Result<Vec<i8>, Error> {
		let len = self.len(max, 1, too_many)?;
		Ok(self.take(len)?.iter().map(|&b| b as i8).collect())
	}

	pub(crate) fn vec_i32(&mut self, max: u64, too_many: Error) -> Result<Vec<i32>, Error> {
		let len = self.len(max, 4, too_many)?;
		let bytes = self.take(len.checked_mul(4).ok_or(Error::Overflow)?)?;
		Ok(bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
	}

	pub(crate) fn vec_u32(&mut self, max: u64, too_many: Error) -> Result<Vec<u32>, Error> {
		let len = self.len(max, 4, too_many)?;
		let bytes = self.take(len.checked_mul(4).ok_or(Error::Overflow)?)?;
		Ok(bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
	}
}

/// Counts parameters against `Bounds::max_parameters` as vectors are read.
struct Budget {
	left: u64,
}

impl Budget {
	/// What one more vector may hold.
	fn max(&self) -> u64 {
		self.left
	}

	fn spend(&mut self, n: usize) -> Result<(), Error> {
		let n = u64::try_from(n).map_err(|_| Error::Overflow)?;
		self.left = self.left.checked_sub(n).ok_or(Error::TooManyParameters)?;
		Ok(())
	}
}

fn padding(r: &mut Reader) -> Result<Padding, Error> {
	Ok(Padding { top: r.u32()?, left: r.u32()?, bottom: r.u32()?, right: r.u32()? })
}

fn requants(r: &mut Reader, budget: &mut Budget) -> Result<Vec<Requant>, Error> {
	let len = r.len(budget.max(), 5, Error::TooManyParameters)?;
	budget.spend(len)?;
	let mut out = Vec::with_capacity(len);
	for _ in 0..len {
		out.push(Requant { multiplier: r.i32()?, shift: r.u8()? });
	}
	Ok(out)
}

fn weights_and_bias(r: &mut Reader, budget: &mut Budget) -> Result<(Vec<i8>, Vec<i32>), Error> {
	let weights = r.vec_i8(budget.max(), Error::TooManyParameters)?;
	budget.spend(weights.len())?;
	let bias = r.vec_i32(budget.max(), Error::TooManyParameters)?;
	budget.spend(bias.len())?;
	Ok((weights, bias))
}

fn layer(r: &mut Reader, budget: &mut Budget) -> Result<Layer, Error> {
	let tag = r.u8()?;
	Ok(match tag {
		0 => {
			let in_features = r.u32()?;
			let out_features = r.u32()?;
			let (weights, bias) = weights_and_bias(r, budget)?;
			let input_zero_point = r.i8()?;
			let output_zero_point = r.i8()?;
			let requant = requants(r, budget)?;
			Layer::Dense(Dense {
				in_features,
				out_features,
				weights,
				bias,
				input_zero_point,
				output_zero_point,
				requant,
			})
		}
		1 => Layer::Relu { zero_point: r.i8()? },
		2 => Layer::Identity,
		3 => {
			let kind = match r.u8()? {
				0 => LutKind::Sigmoid,
				1 => LutKind::Tanh,
				2 => LutKind::Generic,
				found => return Err(Error::InvalidTag { found }),
			};
			budget.spend(256)?;
			let mut table = [0i8; 256];
			for (t, &b) in table.iter_mut().zip(r.take(256)?) {
				*t = b as i8;
			}
			Layer::Lut(Lut { kind, table })
		}
		4 => Layer::Flatten,
		5 => {
			let in_channels = r.u32()?;
			let out_channels = r.u32()?;
			let kernel_h = r.u32()?;
			let kernel_w = r.u32()?;
			let stride_h = r.u32()?;
			let stride_w = r.u32()?;
			let padding = padding(r)?;
			let (weights, bias) = weights_and_bias(r, budget)?;
			let input_zero_point = r.i8()?;
			let output_zero_point = r.i8()?;
			let requant = requants(r, budget)?;
			Layer::Conv2d(Conv2d {
				in_channels,
				out_channels,
				kernel_h,
				kernel_w,
				stride_h,
				stride_w,
				padding,
				weights,
				bias,
				input_zero_point,
				output_zero_point,
				requant,
			})
		}
		6 => Layer::MaxPool2d(MaxPool2d {
			kernel_h: r.u32()?,
			kernel_w: r.u32()?,
			stride_h: r.u32()?,
			stride_w: r.u32()?,
			padding: padding(r)?,
		}),
		7 => Layer::Lstm(recurrent(r, budget)?),
		8 => Layer::Gru(recurrent(r, budget)?),
		found => return Err(Error::InvalidTag { found }),
	})
}

fn recurrent(r: &mut Reader, budget: &mut Budget) -> Result<Recurrent, Error> {
	let input_size = r.u32()?;
	let hidden_size = r.u32()?;
	let sequence = match r.u8()? {
		0 => false,
		1 => true,
		found => return Err(Error::InvalidTag { found }),
	};
	let input_weights = r.vec_i8(budget.max(), Error::TooManyParameters)?;
	budget.spend(input_weights.len())?;
	let hidden_weights = r.vec_i8(budget.max(), Error::TooManyParameters)?;
	budget.spend(hidden_weights.len())?;
	let input_bias = r.vec_i32(budget.max(), Error::TooManyParameters)?;
	budget.spend(input_bias.len())?;
	let hidden_bias = r.vec_i32(budget.max(), Error::TooManyParameters)?;
	budget.spend(hidden_bias.len())?;
	let input_zero_point = r.i8()?;
	let input_requant = requants(r, budget)?;
	let hidden_requant = requants(r, budget)?;
	Ok(Recurrent {
		input_size,
		hidden_size,
		sequence,
		input_weights,
		hidden_weights,
		input_bias,
		hidden_bias,
		input_zero_point,
		input_requant,
		hidden_requant,
	})
}

impl Model {
	/// Decodes and validates a model blob.
	///
	/// Checks, in order: the blob length, the version byte, every vector length against
	/// `bounds` and the bytes left (before allocating it), that no bytes are left over, and
	/// finally the shapes, parameter counts and cost ([`Model::validate`]). A model this
	/// returns runs without error on any input of length [`Model::input_len`].
	pub fn decode_blob(bytes: &[u8], bounds: &Bounds) -> Result<Model, Error> {
		if bytes.len() > bounds.max_blob_len as usize {
			return Err(Error::BlobTooLarge);
		}
		let mut r = Reader::new(bytes);
		let version = r.u8()?;
		if version != MODEL_FORMAT_VERSION {
			return Err(Error::UnsupportedVersion { found: version });
		}
		let shape = r.vec_u32(MAX_RANK as u64, Error::InvalidRank { layer: u32::MAX })?;
		let input = InputSpec { shape, scale: r.u32()?, scale_shift: r.u8()?, zero_point: r.i8()? };
		// A layer is at least one byte, so the byte check in `len` also bounds this loop.
		let n_layers = r.len(u64::from(bounds.max_layers), 1, Error::TooManyLayers)?;
		let mut budget = Budget { left: bounds.max_parameters };
		let mut layers = Vec::with_capacity(n_layers);
		for _ in 0..n_layers {
			layers.push(layer(&mut r, &mut budget)?);
		}
		let output = match r.u8()? {
			0 => OutputKind::Class,
			1 => OutputKind::Regression { zero_point: r.i8()?, multiplier: r.i32()?, shift: r.u8()? },
			found => return Err(Error::InvalidTag { found }),
		};
		r.finish()?;
		let model = Model { input, layers, output };
		model.validate(bounds)?;
		Ok(model)
	}
}

//! Exports of the engine for the wasm determinism tests and benchmarks.
//!
//! Memory protocol: the host allocates with `nn_alloc`, writes its bytes, and calls a
//! function; results come back as `(ptr << 32) | len` of a SCALE encoding in wasm memory.
//! The allocator is a bump allocator that never frees; `nn_reset` rewinds it to the state
//! right after the last `nn_load`, so long benchmark loops stay within memory.

#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use codec::Encode;
use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use modelchain_nn::{Bounds, Dataset, DatasetBounds, Metric, Model};

struct Bump;

static NEXT: AtomicUsize = AtomicUsize::new(0);
static END: AtomicUsize = AtomicUsize::new(0);
static MARK: AtomicUsize = AtomicUsize::new(0);
static LOADED: AtomicPtr<Model> = AtomicPtr::new(core::ptr::null_mut());

const PAGE: usize = 65_536;

unsafe impl GlobalAlloc for Bump {
	unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
		let mut next = NEXT.load(Ordering::Relaxed);
		let mut end = END.load(Ordering::Relaxed);
		if end == 0 {
			// Start after whatever the module's data and stack use.
			next = wasm32::memory_size(0) * PAGE;
			end = next;
		}
		let start = (next + layout.align() - 1) & !(layout.align() - 1);
		let Some(new_next) = start.checked_add(layout.size()) else { return core::ptr::null_mut() };
		if new_next > end {
			let pages = (new_next - end).div_ceil(PAGE);
			if wasm32::memory_grow(0, pages) == usize::MAX {
				return core::ptr::null_mut();
			}
			end += pages * PAGE;
		}
		NEXT.store(new_next, Ordering::Relaxed);
		END.store(end, Ordering::Relaxed);
		start as *mut u8
	}

	unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOC: Bump = Bump;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
	wasm32::unreachable()
}

unsafe fn bytes<'a>(ptr: u32, len: u32) -> &'a [u8] {
	if len == 0 {
		return &[];
	}
	core::slice::from_raw_parts(ptr as usize as *const u8, len as usize)
}

fn give(v: Vec<u8>) -> u64 {
	let v = v.leak();
	((v.as_ptr() as usize as u64) << 32) | v.len() as u64
}

fn as_i8(b: &[u8]) -> &[i8] {
	// Same size and alignment; every bit pattern is a valid i8.
	unsafe { core::slice::from_raw_parts(b.as_ptr() as *const i8, b.len()) }
}

/// Reserves `len` bytes for the host to write into.
#[no_mangle]
pub extern "C" fn nn_alloc(len: u32) -> u32 {
	let v: Vec<u8> = alloc::vec![0; len as usize];
	v.leak().as_mut_ptr() as usize as u32
}

/// Decodes a model blob (default bounds) and runs it on one input; returns the encoding
/// of `(Result<Vec<i8>, Error>, Result<Output, Error>, u64)`: the last tensor, the output
/// and the cost.
#[no_mangle]
pub extern "C" fn nn_run(mp: u32, ml: u32, ip: u32, il: u32) -> u64 {
	let (model, input) = unsafe { (bytes(mp, ml), as_i8(bytes(ip, il))) };
	let result = match Model::decode_blob(model, &Bounds::default()) {
		Ok(m) => (m.run_raw(input), m.run(input), m.cost()),
		Err(e) => (Err(e), Err(e), 0),
	};
	give(result.encode())
}

/// Decodes a model blob and a dataset blob and scores the model; returns the encoding of
/// `Result<u64, Error>`.
#[no_mangle]
pub extern "C" fn nn_evaluate(mp: u32, ml: u32, dp: u32, dl: u32, metric: u32) -> u64 {
	let (model, data) = unsafe { (bytes(mp, ml), bytes(dp, dl)) };
	let metric = match metric {
		0 => Metric::Accuracy,
		1 => Metric::MeanSquaredError,
		_ => Metric::MeanAbsoluteError,
	};
	let result = Model::decode_blob(model, &Bounds::default()).and_then(|m| {
		let d = Dataset::decode_blob(data, &DatasetBounds::default())?;
		metric.evaluate(&m, &d)
	});
	give(result.encode())
}

/// Decodes and keeps a model for `nn_infer`; 0 on success.
#[no_mangle]
pub extern "C" fn nn_load(mp: u32, ml: u32) -> u32 {
	let model = unsafe { bytes(mp, ml) };
	match Model::decode_blob(model, &Bounds::default()) {
		Ok(m) => {
			LOADED.store(Box::into_raw(Box::new(m)), Ordering::Relaxed);
			MARK.store(NEXT.load(Ordering::Relaxed), Ordering::Relaxed);
			0
		}
		Err(_) => 1,
	}
}

/// Runs the loaded model on one input; returns the class index, or the first regression
/// value, or `u32::MAX` on error (benchmarks only need something to keep).
#[no_mangle]
pub extern "C" fn nn_infer(ip: u32, il: u32) -> u32 {
	let Some(model) = (unsafe { LOADED.load(Ordering::Relaxed).as_ref() }) else { return u32::MAX };
	let input = unsafe { as_i8(bytes(ip, il)) };
	match model.run(input) {
		Ok(modelchain_nn::Output::Class(c)) => c,
		Ok(modelchain_nn::Output::Regression(v)) => v.first().copied().unwrap_or(0) as u32,
		Err(_) => u32::MAX,
	}
}

/// Runs the loaded model on `n` inputs laid end to end; returns the sum of `nn_infer`'s
/// answers (wrapping).
#[no_mangle]
pub extern "C" fn nn_infer_many(ip: u32, il: u32, n: u32) -> u32 {
	let mut sum = 0u32;
	let len = if n == 0 { 0 } else { il / n };
	for i in 0..n {
		sum = sum.wrapping_add(nn_infer(ip + i * len, len));
	}
	sum
}

/// A plain int8 GEMM of two `n × n` matrices (the second one transposed, so each output is
/// the dot product of two contiguous rows, summed in `i32`): the reference rate of scalar
/// wasm for the engine's benchmark. Returns a checksum of the product.
#[no_mangle]
pub extern "C" fn nn_gemm_ceiling(n: u32) -> u32 {
	let n = n as usize;
	let a: Vec<i8> = (0..n * n).map(|i| (i * 7 % 251) as i8).collect();
	let b: Vec<i8> = (0..n * n).map(|i| (i * 13 % 241) as i8).collect();
	let mut sum = 0u32;
	for row in a.chunks_exact(n) {
		for col in b.chunks_exact(n) {
			let dot = row.iter().zip(col).fold(0i32, |acc, (&x, &y)| acc.wrapping_add(i32::from(x) * i32::from(y)));
			sum = sum.wrapping_add(dot as u32);
		}
	}
	sum
}

/// Frees everything allocated since the last `nn_load`.
#[no_mangle]
pub extern "C" fn nn_reset() {
	let mark = MARK.load(Ordering::Relaxed);
	if mark != 0 {
		NEXT.store(mark, Ordering::Relaxed);
	}
}

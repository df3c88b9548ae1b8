//! The runtime imports the native engine's host functions (`modelchain-nn-host`), so an executor
//! must know them or be told to allow unknown ones. This checks both sides the way the tools
//! people use on a runtime build their executors:
//!
//! - the node's (Substrate's host functions plus the native engine's) instantiates it strictly;
//! - Substrate's host functions alone with `with_allow_missing_host_functions(true)`, as
//!   try-runtime-cli, frame-omni-bencher (`--allow-missing-host-functions`), chain-spec-builder
//!   and metadata tools build theirs, instantiate it and read its version and metadata (the
//!   imports are only called by off-chain workers);
//! - Substrate's host functions alone, strictly, refuse it and name the missing import.

use codec::Decode;
use polkadot_sdk::{
	sc_executor::{HostFunctions, RuntimeVersion, WasmExecutor},
	sp_core::traits::{CallContext, CodeExecutor, RuntimeCode, WrappedRuntimeCode},
	sp_io::{SubstrateHostFunctions, TestExternalities},
};

type NodeHostFunctions = (SubstrateHostFunctions, modelchain_nn_host::nn_host::HostFunctions);

fn call<H: HostFunctions>(executor: &WasmExecutor<H>, method: &str) -> Result<Vec<u8>, String> {
	let wasm = modelchain_runtime::WASM_BINARY.expect("the runtime's wasm is built");
	let code = RuntimeCode {
		code_fetcher: &WrappedRuntimeCode(wasm.into()),
		heap_pages: None,
		hash: polkadot_sdk::sp_io::hashing::blake2_256(wasm).to_vec(),
	};
	let mut ext = TestExternalities::default();
	let mut ext = ext.ext();
	executor.call(&mut ext, &code, method, &[], CallContext::Offchain).0.map_err(|e| e.to_string())
}

fn version<H: HostFunctions>(executor: &WasmExecutor<H>) -> RuntimeVersion {
	let out = call(executor, "Core_version").expect("Core_version");
	RuntimeVersion::decode(&mut &out[..]).expect("a RuntimeVersion")
}

#[test]
fn the_nodes_executor_instantiates_the_runtime_strictly() {
	let executor = WasmExecutor::<NodeHostFunctions>::builder().build();
	assert_eq!(&*version(&executor).spec_name, "modelchain");
}

#[test]
fn tools_that_allow_unknown_host_functions_instantiate_it() {
	let executor = WasmExecutor::<SubstrateHostFunctions>::builder().with_allow_missing_host_functions(true).build();
	assert_eq!(&*version(&executor).spec_name, "modelchain");
	let metadata = call(&executor, "Metadata_metadata").expect("Metadata_metadata");
	assert!(metadata.len() > 10_000, "metadata of {} bytes", metadata.len());
}

#[test]
fn a_strict_executor_without_them_names_the_missing_import() {
	let executor = WasmExecutor::<SubstrateHostFunctions>::builder().build();
	let err = call(&executor, "Core_version").expect_err("the native engine's imports are missing");
	assert!(err.contains("ext_nn_host_"), "{err}");
}

fn main() {
	#[cfg(feature = "std")]
	{
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
		// The fast-periods variant the node's `dev-fast` and `local-fast` chains run.
		substrate_wasm_builder::WasmBuilder::init_with_defaults()
			.enable_feature("fast-runtime")
			.set_file_name("modelchain_runtime_fast")
			.build();
	}
}

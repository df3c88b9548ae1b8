use std::fmt;

/// Everything that can go wrong while importing, quantizing or reading data.
#[derive(Debug)]
pub enum ImportError {
	/// The graph uses an operator the engine has no layer for (the ONNX `op_type`).
	UnsupportedOperator(String),
	/// An operator is supported but not with these attributes or inputs.
	UnsupportedAttribute {
		/// The ONNX `op_type`.
		op: String,
		/// What is wrong.
		detail: String,
	},
	/// What follows a classifier's scores is not a post-processing the engine's argmax
	/// reproduces (a multi-label `Binarizer`, a binary tail other than scikit-learn's, ...).
	UnsupportedPostprocessing(String),
	/// The file is not a well-formed ONNX model, or the graph is not a chain we can follow.
	InvalidGraph(String),
	/// Shapes do not fit together.
	Shape(String),
	/// A data file could not be parsed.
	Data(String),
	/// Reading a file failed.
	Io(std::io::Error),
	/// The engine rejected the result.
	Engine(modelchain_nn::Error),
}

impl fmt::Display for ImportError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			ImportError::UnsupportedOperator(op) => {
				write!(f, "unsupported ONNX operator `{op}`")?;
				match op.as_str() {
					// What skl2onnx emits for a Pipeline's StandardScaler or MinMaxScaler. Folding
					// it into the first layer would feed the engine raw features, which one input
					// scale cannot represent well when their ranges differ.
					"Scaler" => write!(
						f,
						" (a StandardScaler/MinMaxScaler in a Pipeline: export the final estimator alone and \
						 scale the inputs yourself before quantizing; the engine quantizes all inputs with one \
						 scale, so they should share a range)"
					),
					_ => Ok(()),
				}
			}
			ImportError::UnsupportedPostprocessing(s) => write!(f, "unsupported classifier post-processing: {s}"),
			ImportError::UnsupportedAttribute { op, detail } => write!(f, "unsupported `{op}`: {detail}"),
			ImportError::InvalidGraph(s) => write!(f, "invalid ONNX graph: {s}"),
			ImportError::Shape(s) => write!(f, "shape mismatch: {s}"),
			ImportError::Data(s) => write!(f, "bad data file: {s}"),
			ImportError::Io(e) => write!(f, "I/O error: {e}"),
			ImportError::Engine(e) => write!(f, "engine error: {e:?}"),
		}
	}
}

impl std::error::Error for ImportError {}

impl From<std::io::Error> for ImportError {
	fn from(e: std::io::Error) -> Self {
		ImportError::Io(e)
	}
}

impl From<modelchain_nn::Error> for ImportError {
	fn from(e: modelchain_nn::Error) -> Self {
		ImportError::Engine(e)
	}
}

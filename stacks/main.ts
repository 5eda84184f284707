// Entry point for plain `pulumi up` (see Pulumi.yaml); automation/ runs drProgram inline.
import { drProgram } from "./index.js";

export default drProgram;

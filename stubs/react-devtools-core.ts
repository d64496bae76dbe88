// Ink imports react-devtools-core only when DEV=true; the compiled binary must not need the real one.
export default { initialize() {}, connectToDevTools() {} };

import Foundation

/// Writes `text` as an executable file at `path`, for a test to run (a shim on PATH, a fake engine).
///
/// The file is never opened for writing by this process: the text goes to a side file, which `install`
/// copies into place in a process of its own. A file this process had open for writing could still be
/// open in a child that another test forked at that instant, and running it would then fail with ETXTBSY
/// ("Text file busy"), as it did once in a full run.
public func writeExecutableScript(_ text: String, to path: String) throws {
    let source = path + ".source"
    try Data(text.utf8).write(to: URL(filePath: source))
    try installExecutable(copying: source, to: path)
}

/// Copies the executable at `source` to `path`, for a test to run it from elsewhere, in a process of its own
/// for the reason `writeExecutableScript` gives.
public func installExecutable(copying source: String, to path: String) throws {
    guard try runToCompletion("/usr/bin/install", ["-m", "0755", source, path]).status == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
    }
}

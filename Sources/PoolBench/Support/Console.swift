import Foundation

/// Progress and errors go to stderr; stdout carries only the results table.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

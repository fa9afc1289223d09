import Foundation

/// The podman image the container tests use, made once per test run by scripts/make-python-image.sh
/// (which does nothing when the image exists).
public enum PodmanImage {
    public static let name = "localhost/shesha-python:latest"

    /// Why podman cannot run the tests here, or nil when the image is ready. Printed to stderr once, so
    /// a skipped podman test always says why.
    public static let unusableReason: String? = {
        let reason = findUnusableReason()
        if let reason {
            FileHandle.standardError.write(Data("podman tests skipped: \(reason)\n".utf8))
        }
        return reason
    }()

    public static var isUsable: Bool { unusableReason == nil }

    private static func findUnusableReason() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard path.split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/podman") })
        else { return "podman is not installed" }
        let script = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "scripts/make-python-image.sh")
        let result: ToolResult
        do {
            result = try runToCompletion("/bin/bash", [script.path(percentEncoded: false), name])
        } catch {
            return "cannot run \(script.path(percentEncoded: false)): \(error)"
        }
        return result.status == 0 ? nil : "make-python-image.sh failed: \(result.stderr)"
    }
}

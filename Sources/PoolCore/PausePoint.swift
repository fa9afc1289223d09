import Foundation

/// A test hook that holds this process at a chosen point until the test lets it go, so that a race
/// window (another process acting in between) happens for certain instead of by luck.
///
/// `SHESHA_POOL_PAUSE_AT=exec-before-connect` with `SHESHA_POOL_PAUSE_DIR=DIR`: on reaching the point the
/// process creates `DIR/exec-before-connect.paused` (holding its pid), then waits until
/// `DIR/exec-before-connect.resume` appears, or DIR is removed (the test gave up). Only debug builds
/// compile the check in (the `SHESHA_POOL_CRASH_POINTS` define, as for `CrashPoint`). A value that names no
/// point, or a missing DIR, is ignored with one warning on stderr.
public enum PausePoint: String, CaseIterable, Sendable {
    /// `exec` found the holder's lease and has not yet connected to its sandbox.
    case execBeforeConnect = "exec-before-connect"

    public static let environmentVariable = "SHESHA_POOL_PAUSE_AT"
    public static let folderVariable = "SHESHA_POOL_PAUSE_DIR"

    /// The file the process creates when it pauses at `point`.
    public static func pausedFile(_ point: PausePoint, in folder: String) -> String {
        folder + "/" + point.rawValue + ".paused"
    }

    /// The file that lets a process paused at `point` go on.
    public static func resumeFile(_ point: PausePoint, in folder: String) -> String {
        folder + "/" + point.rawValue + ".resume"
    }

    /// Waits here if the environment chose this point; otherwise returns at once.
    public static func reached(_ point: PausePoint) async {
        #if SHESHA_POOL_CRASH_POINTS
        guard let folder = chosenFolder(for: point) else { return }
        let paused = Data("\(ProcessInfo.processInfo.processIdentifier)\n".utf8)
        do {
            // Written whole and renamed into place, so the test never reads a half-written file.
            try paused.write(to: URL(filePath: pausedFile(point, in: folder)), options: .atomic)
        } catch {
            warn("not pausing at \(point.rawValue): cannot signal in \(folder): \(error)")
            return
        }
        let files = FileManager.default
        while !files.fileExists(atPath: resumeFile(point, in: folder)), files.fileExists(atPath: folder) {
            do {
                try await Task.sleep(for: .milliseconds(10))
            } catch {
                return  // cancelled: go on at once
            }
        }
        #endif
    }

    #if SHESHA_POOL_CRASH_POINTS
    /// The pause folder, if the environment chose `point`; warns about a setting it cannot follow.
    private static func chosenFolder(for point: PausePoint) -> String? {
        let environment = ProcessInfo.processInfo.environment
        guard let value = environment[environmentVariable], !value.isEmpty else { return nil }
        guard let chosen = PausePoint(rawValue: value) else {
            let known = allCases.map(\.rawValue).joined(separator: ", ")
            warn("ignoring \(environmentVariable)='\(value)': not a pause point; name one of \(known)")
            return nil
        }
        guard chosen == point else { return nil }
        guard let folder = environment[folderVariable], !folder.isEmpty else {
            warn("ignoring \(environmentVariable)='\(value)': \(folderVariable) names no folder to signal in")
            return nil
        }
        return folder
    }

    private static func warn(_ message: String) {
        FileHandle.standardError.write(Data("shesha-pool: \(message)\n".utf8))
    }
    #endif
}

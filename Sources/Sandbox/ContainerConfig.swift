import Foundation
import PoolCore

/// How a container pool's sandboxes are isolated.
public enum IsolationKind: String, CaseIterable, Codable, Sendable {
    case bwrap, podman, docker, process
}

/// A container pool's settings, stored as JSON in the pool's row of the ledger.
public struct ContainerConfig: Codable, Hashable, Sendable {
    public var backend: IsolationKind
    /// The image for podman and docker: any image with python3.
    public var image: String?
    /// The Python the bwrap and process backends run.
    public var python: String
    public var limits: SandboxLimits

    public static let defaultLimits = SandboxLimits(memoryBytes: 512 << 20, pids: 128, cpus: nil)

    public init(
        backend: IsolationKind = .bwrap,
        image: String? = nil,
        python: String = "/usr/bin/python3",
        limits: SandboxLimits = ContainerConfig.defaultLimits
    ) {
        self.backend = backend
        self.image = image
        self.python = python
        self.limits = limits
    }

    /// Reads the settings the ledger keeps; JSON this build cannot read means a damaged database.
    public init(json: String) throws {
        do {
            self = try JSONDecoder().decode(ContainerConfig.self, from: Data(json.utf8))
        } catch {
            throw PoolError.damagedDatabase("a container pool's settings cannot be read (\(error))")
        }
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Plain strings, numbers and nested structs always encode.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The backend that starts and stops this pool's sandboxes.
    public var isolation: any SandboxIsolation {
        switch backend {
        case .bwrap: BwrapIsolation(python: python)
        case .process: ProcessIsolation(python: python)
        case .podman: ContainerEngineIsolation(engine: "podman", image: image ?? ContainerEngineIsolation.defaultImage)
        case .docker:
            ContainerEngineIsolation(engine: "docker", image: image ?? ContainerEngineIsolation.defaultImage, storageDriver: nil)
        }
    }
}

import Foundation
import PoolTesting
import Testing

/// The docker backend's own command lines, run by a real engine: no Docker engine runs on these machines,
/// so a `docker` first on PATH hands every call to podman, which takes docker's flags.
@Suite("docker backend, through podman")
struct DockerBackendTests {
    @Test(
        "a docker pool starts, serves and removes its sandboxes",
        .enabled(if: PodmanImage.isUsable, "podman cannot run here (the reason was printed to stderr)")
    )
    func dockerPool() async throws {
        try await withSandboxFixture { fixture in
            let shims = fixture.folder.appending(path: "shims").path(percentEncoded: false)
            try FileManager.default.createDirectory(atPath: shims, withIntermediateDirectories: true)
            let docker = shims + "/docker"
            try writeExecutableScript(
                "#!/bin/sh\nexec podman --runtime runc --cgroup-manager cgroupfs --storage-driver vfs \"$@\"\n",
                to: docker
            )
            let path = shims + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            func cli(_ arguments: [String]) async throws -> CLIOutput {
                try await fixture.cli(arguments, environment: ["PATH": path])
            }

            let created = try await cli([
                "init", "container", "--backend", "docker", "--image", PodmanImage.name, "--dir", fixture.sandboxFolder,
                "--min-idle", "1",
            ])
            try #require(created.status == 0, "\(created)")
            _ = try await fixture.acquire("d")
            let printed = try await cli(["exec", "--holder", "d", "import os\nprint(os.getuid(), 1 + 1)"])
            #expect(printed.stdout == "65534 2\n", "\(printed)")
            #expect(try await cli(["release", "--holder", "d", "--owner-pid", CLIFixture.testPID]).status == 0)
            #expect(try await cli(["doctor"]).status == 0)
            #expect(try await cli(["shrink", "1"]).status == 0)
            #expect(try await engineContainers(labelledUnder: fixture.sandboxFolder).isEmpty)
        }
    }

    /// The containers podman knows whose slot label lies under `folder`.
    private func engineContainers(labelledUnder folder: String) async throws -> [String] {
        let output = try python(
            """
            import json, subprocess, sys
            listing = subprocess.run(['podman', '--storage-driver', 'vfs', 'ps', '-a', '--format', 'json'],
                                     capture_output=True, text=True, check=True).stdout
            for container in json.loads(listing or '[]'):
                slot = (container.get('Labels') or {}).get('shesha-pool.slot', '')
                if slot.startswith(sys.argv[1]):
                    print(slot)
            """,
            [folder]
        )
        return output.split(separator: "\n").map(String.init)
    }
}

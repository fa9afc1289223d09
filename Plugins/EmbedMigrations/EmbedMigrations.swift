import Foundation
import PackagePlugin

/// Embeds the package's top-level `Migrations/*.sql` into the target as Swift source.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let migrations = context.package.directoryURL.appending(path: "Migrations")
        let sqlFiles = try FileManager.default
            .contentsOfDirectory(at: migrations, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(sqlFiles.count) migrations from Migrations/",
                executable: try context.tool(named: "MigrationEmbedder").url,
                arguments: [output.path()] + sqlFiles.map { $0.path() },
                inputFiles: sqlFiles,
                outputFiles: [output]
            )
        ]
    }
}

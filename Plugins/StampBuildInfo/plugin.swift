import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` (the commit the binary is built from) before every build of the
/// target that uses it, from `git rev-parse` in the package's directory. Outside a git checkout
/// (a source archive, a container build without `.git`), the commit is `unknown`, or the value
/// of `TALLY_BUILD_COMMIT` when the builder sets it. The file is rewritten only when its text
/// changes, so an unchanged commit costs no recompilation.
@main
struct StampBuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo.swift")
        let script = """
            commit="${TALLY_BUILD_COMMIT:-}"
            if [ -z "$commit" ]; then
              commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
              if [ "$commit" != unknown ] && [ -n "$(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
                commit="$commit-dirty"
              fi
            fi
            case "$commit" in *[!0-9A-Za-z._-]*) commit=unknown ;; esac
            text="/// Generated at build time by the StampBuildInfo plugin.
            enum BuildInfo { static let commit = \\"$commit\\" }"
            [ "$(cat "$2" 2>/dev/null)" = "$text" ] || printf '%s\\n' "$text" > "$2"
            """
        return [
            .prebuildCommand(
                displayName: "Stamping the commit into \(target.name)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "stamp", context.package.directoryURL.path, output.path],
                outputFilesDirectory: context.pluginWorkDirectoryURL)
        ]
    }
}

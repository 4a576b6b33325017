import ArgumentParser
import Foundation
import TallyCore

#if canImport(Glibc)
    import Glibc
#endif

/// The `tally` command line: every command prints one JSON object per result on stdout and
/// messages on stderr, and exits non-zero on error (SPEC section 6).
@main
struct Tally: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "A self-hosted reward points server that speaks the DRIP Rewards API.",
        version: Tally.versionText,
        subcommands: [
            Serve.self, Migrate.self, RealmCommand.self, CurrencyCommand.self, MemberCommand.self, KeyCommand.self,
            WebhookCommand.self, Verify.self, Backup.self, Export.self, Import.self,
        ])
}

extension Tally {
    /// Parses the command line, with `tally serve`'s settings completed from the environment and
    /// the config file (`ServeSettings`), and runs the command.
    static func main() async {
        limitMallocArenas()
        var arguments = Array(CommandLine.arguments.dropFirst())
        do {
            if arguments.first == "serve" {
                arguments =
                    ["serve"]
                    + (try ServeSettings.arguments(
                        Array(arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
            }
            var command = try parseAsRoot(arguments)
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let failure as ServeSettings.Failure {
            Serve.exit(withError: ValidationError(failure.description))
        } catch {
            exit(withError: error)
        }
    }

    /// What `tally --version` prints: the version and the commit the binary was built from.
    static let versionText = "tally \(TallyVersion.version) (commit \(BuildInfo.commit))"
}

/// At most two glibc malloc arenas (its default is eight per core), unless `MALLOC_ARENA_MAX` says
/// otherwise: the server's threads take turns with large transient allocations (a group's
/// requests, a follower transaction's rows), and with one arena per thread the freed memory stays
/// spread over many arenas, so peak RSS grew by about a quarter under load without holding more
/// data (docs/decisions/0009).
private func limitMallocArenas() {
    #if canImport(Glibc)
        // mallopt(M_ARENA_MAX, 2); neither is in the Glibc module, so by name, as C declares it.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil,
            let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt")
        else { return }
        let arenaMax: Int32 = -8  // M_ARENA_MAX in malloc.h
        _ = unsafeBitCast(symbol, to: MallOpt.self)(arenaMax, 2)
    #endif
}

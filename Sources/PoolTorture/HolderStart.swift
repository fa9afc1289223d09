import CLinux
import Glibc

extension HolderOptions {
    /// What every holder process does first: die with the orchestrator (so an interrupted run leaves no
    /// holder behind), open its tenure log and seed its random choices.
    func startHolder() throws -> (log: TenureLog, random: SplitMix64) {
        _ = clinux_set_parent_death_signal(SIGKILL)
        if getppid() == 1 { exit(0) }
        return (try TenureLog(path: log), SplitMix64(seed: seed))
    }
}

//! The machine's shape, read once at start: how many CPUs and how much memory this process
//! may use, from the kernel and its cgroup (v1 or v2, the tightest limit on the way to the
//! root).
//!
//! One read of `/proc/self/cgroup` serves both, and whatever sizes itself by the machine (the
//! workers, the image transforms at once, the memory budget, the rate limiters' shards) is
//! given this, instead of each walking the cgroup files again.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

/// Where the cgroup file systems are mounted (file-hierarchy(7)).
const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// The CPUs assumed when none can be counted (as actix-web assumes).
const FALLBACK_CPUS: NonZeroUsize = NonZeroUsize::new(2).expect("2 is not 0");

/// What this process may use of the machine it runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Machine {
    /// The CPUs it may run on, fewer when its cgroup's CPU quota allows fewer (rounded down,
    /// at least 1), as `std::thread::available_parallelism` counts them.
    pub cpus: NonZeroUsize,
    /// The memory it may use: the tightest cgroup limit on its way to the root, capped by the
    /// machine's `MemTotal`; `None` when neither can be read.
    pub memory_limit: Option<u64>,
}

impl Machine {
    /// Reads the shape of the machine this process runs on.
    pub fn read() -> Self {
        let cgroups = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Self::of(Path::new(CGROUP_ROOT), &cgroups, &meminfo, online_cpus())
    }

    /// The shape from `proc_self_cgroup` (the cgroup file systems mounted at `root`),
    /// `meminfo` and the CPUs the process may run on.
    fn of(
        root: &Path,
        proc_self_cgroup: &str,
        meminfo: &str,
        online: Option<NonZeroUsize>,
    ) -> Self {
        let groups = Groups::parse(proc_self_cgroup);
        let quota = groups.tightest(root, Controller::Cpu);
        let online = online.unwrap_or(FALLBACK_CPUS);
        let cpus = quota
            .and_then(|q| NonZeroUsize::new(usize::try_from(q).unwrap_or(usize::MAX).max(1)))
            .map_or(online, |q| q.min(online));
        let memory_limit = match (
            groups.tightest(root, Controller::Memory),
            mem_total(meminfo),
        ) {
            (Some(c), Some(t)) => Some(c.min(t)),
            (c, t) => c.or(t),
        };
        Self { cpus, memory_limit }
    }
}

/// The CPUs this process may run on (its affinity mask), else those online.
fn online_cpus() -> Option<NonZeroUsize> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set, and the kernel writes at most its size.
    let counted = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        (libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0)
            .then(|| libc::CPU_COUNT(&set))
    };
    let count = counted
        .and_then(|n| usize::try_from(n).ok())
        // SAFETY: sysconf reads a value and has no preconditions.
        .or_else(|| usize::try_from(unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }).ok());
    count.and_then(NonZeroUsize::new)
}

/// A resource a cgroup may limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Controller {
    /// In whole CPUs.
    Cpu,
    /// In bytes.
    Memory,
}

impl Controller {
    /// v1's name of the controller (also its mount point's under the root).
    fn v1_name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Memory => "memory",
        }
    }

    /// The limit one cgroup's folder sets, v1 or v2.
    fn limit_in(self, dir: &Path, v1: bool) -> Option<u64> {
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).ok();
        match (self, v1) {
            (Self::Memory, true) => parse_limit(&read("memory.limit_in_bytes")?),
            (Self::Memory, false) => parse_limit(&read("memory.max")?),
            (Self::Cpu, true) => {
                let quota: i64 = read("cpu.cfs_quota_us")?.trim().parse().ok()?;
                let period: i64 = read("cpu.cfs_period_us")?.trim().parse().ok()?;
                cpus_of(quota, period)
            }
            (Self::Cpu, false) => {
                let max = read("cpu.max")?;
                let mut fields = max.split_whitespace();
                // "max 100000" is no limit: it does not parse.
                let quota: i64 = fields.next()?.parse().ok()?;
                let period: i64 = fields.next()?.parse().ok()?;
                cpus_of(quota, period)
            }
        }
    }
}

/// Whole CPUs a quota of `quota` µs every `period` µs gives (-1 is no limit).
fn cpus_of(quota: i64, period: i64) -> Option<u64> {
    (quota > 0 && period > 0).then(|| (quota / period) as u64)
}

/// The cgroups `/proc/self/cgroup` names: v1's with their controllers, and v2's.
struct Groups<'a> {
    /// `(controllers, path)` of each v1 hierarchy.
    v1: Vec<(&'a str, &'a str)>,
    /// The path in the v2 hierarchy, if any.
    v2: Option<&'a str>,
}

impl<'a> Groups<'a> {
    fn parse(proc_self_cgroup: &'a str) -> Self {
        let mut groups = Self {
            v1: Vec::new(),
            v2: None,
        };
        for line in proc_self_cgroup.lines() {
            let mut fields = line.splitn(3, ':');
            let (_, Some(controllers), Some(path)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let path = path.trim_start_matches('/');
            if controllers.is_empty() {
                groups.v2 = Some(path);
            } else {
                groups.v1.push((controllers, path));
            }
        }
        groups
    }

    /// The tightest limit of `controller` on the way from this process's cgroup to the root:
    /// from v1 when the controller is mounted there (a controller belongs to one hierarchy),
    /// else from v2, mounted at the root or beside v1 in "unified" on a hybrid system.
    fn tightest(&self, root: &Path, controller: Controller) -> Option<u64> {
        let name = controller.v1_name();
        if let Some((_, path)) = self
            .v1
            .iter()
            .find(|(controllers, _)| controllers.split(',').any(|c| c == name))
        {
            return walk_up(&root.join(name), path, |dir| controller.limit_in(dir, true));
        }
        let path = self.v2?;
        ["", "unified"]
            .iter()
            .filter_map(|mount| {
                walk_up(&root.join(mount), path, |dir| {
                    controller.limit_in(dir, false)
                })
            })
            .min()
    }
}

/// The smallest `limit` of the folder `path` under `top` and of each folder above it, up to
/// `top` itself.
fn walk_up(top: &Path, path: &str, limit: impl Fn(&Path) -> Option<u64>) -> Option<u64> {
    let mut dir: PathBuf = top.join(path);
    let mut tightest: Option<u64> = None;
    loop {
        if let Some(found) = limit(&dir) {
            tightest = Some(tightest.map_or(found, |t| t.min(found)));
        }
        if dir == top || !dir.pop() {
            return tightest;
        }
    }
}

/// A cgroup memory limit file's value; `max` and v1's "no limit" (near `i64::MAX`) are none.
fn parse_limit(value: &str) -> Option<u64> {
    let limit: u64 = value.trim().parse().ok()?;
    (limit < 1 << 60).then_some(limit)
}

/// `MemTotal` from `/proc/meminfo`, in bytes.
fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn cpus(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).unwrap()
    }

    /// A folder of its own under the temp dir, removed when dropped.
    struct Root(PathBuf);

    impl Root {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("getimages-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            Self(dir)
        }

        fn write(&self, file: &str, value: &str) {
            let path = self.0.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, value).unwrap();
        }

        fn machine(&self, proc_self_cgroup: &str, online: usize) -> Machine {
            Machine::of(&self.0, proc_self_cgroup, "", Some(cpus(online)))
        }
    }

    impl Drop for Root {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_memory_limit_is_the_tightest_cgroup_on_the_way_to_the_root() {
        let root = Root::new("cgroup-memory");
        root.write("memory/a/memory.limit_in_bytes", "268435456\n");
        root.write("memory/a/b/memory.limit_in_bytes", "9223372036854771712\n");
        let v1 = "4:memory:/a/b\n3:cpuset:/\n0::/\n";
        assert_eq!(root.machine(v1, 2).memory_limit, Some(256 * MIB));

        root.write("svc/memory.max", "max\n");
        root.write("memory.max", "536870912\n");
        assert_eq!(root.machine("0::/svc\n", 2).memory_limit, Some(512 * MIB));
        root.write("svc/memory.max", "134217728\n");
        assert_eq!(root.machine("0::/svc\n", 2).memory_limit, Some(128 * MIB));
        // v2 beside v1 on a hybrid system.
        root.write("unified/svc/memory.max", "67108864\n");
        assert_eq!(root.machine("0::/svc\n", 2).memory_limit, Some(64 * MIB));
        assert_eq!(root.machine("1:cpu:/\n", 2).memory_limit, None);
    }

    #[test]
    fn the_memory_limit_is_capped_by_the_machines_memory() {
        let root = Root::new("cgroup-meminfo");
        root.write("memory.max", "536870912\n");
        let meminfo = "MemTotal:         233040 kB\nMemFree:          1000 kB\n";
        let shape = |cgroup| Machine::of(&root.0, cgroup, meminfo, Some(cpus(2))).memory_limit;
        assert_eq!(shape("0::/\n"), Some(233_040 * 1024));
        assert_eq!(shape(""), Some(233_040 * 1024));
        assert_eq!(Machine::of(&root.0, "", "", None).memory_limit, None);
    }

    #[test]
    fn the_cpus_are_those_online_fewer_when_a_quota_allows_fewer() {
        let root = Root::new("cgroup-cpu");
        // No quota: every CPU the process may run on.
        root.write("cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
        root.write("cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        let v1 = "2:cpu,cpuacct:/job\n0::/\n";
        root.write("cpu,cpuacct/job/cpu.cfs_quota_us", "-1\n");
        root.write("cpu,cpuacct/job/cpu.cfs_period_us", "100000\n");
        // The mount is named after its controllers; "cpu" is the link systemd makes to it.
        std::os::unix::fs::symlink(root.0.join("cpu,cpuacct"), root.0.join("cpu")).unwrap();
        assert_eq!(root.machine(v1, 8).cpus, cpus(8));
        // 2.5 CPUs are 2, and a parent's quota holds its children.
        root.write("cpu,cpuacct/cpu.cfs_quota_us", "250000\n");
        assert_eq!(root.machine(v1, 8).cpus, cpus(2));
        assert_eq!(root.machine(v1, 1).cpus, cpus(1));

        // v2: "max" is no limit, and less than a CPU is one.
        root.write("app/cpu.max", "max 100000\n");
        assert_eq!(root.machine("0::/app\n", 4).cpus, cpus(4));
        root.write("app/cpu.max", "300000 100000\n");
        assert_eq!(root.machine("0::/app\n", 4).cpus, cpus(3));
        root.write("app/cpu.max", "50000 100000\n");
        assert_eq!(root.machine("0::/app\n", 4).cpus, cpus(1));
    }
}

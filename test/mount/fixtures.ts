/** Mount tables for unit tests: lines as the kernel prints them (taken from real hosts, paths renamed). */

/** This test machine: zfs-fuse datasets (fstype fuse.zfs, source = dataset), binds, an escaped space. */
export const ZFS_FUSE_TABLE = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534',
  '42 27 0:39 / /zfs-kstat rw,nosuid,nodev,relatime - fuse kstat rw,user_id=0,group_id=0,allow_other',
  '43 27 0:40 / /tmp/t/mp rw,relatime - fuse.zfs zfscsi/t-probe rw,user_id=0,group_id=0,default_permissions,allow_other',
  '44 27 0:40 / /tmp/t/tgt rw,relatime - fuse.zfs zfscsi/t-probe rw,user_id=0,group_id=0,default_permissions,allow_other',
  '45 27 0:40 /inner /tmp/t/sp\\040ace ro,relatime - fuse.zfs zfscsi/t-probe rw,user_id=0,group_id=0,default_permissions,allow_other',
  '46 27 0:41 / /tmp/t/other rw,relatime - fuse.zfs zfscsi/t-probe/b rw,user_id=0,group_id=0,default_permissions,allow_other',
].join('\n');

/** An OpenZFS node: shared propagation (optional fields), dataset mountpoints and kubelet targets. */
export const OPENZFS_TABLE = [
  '29 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro',
  '95 29 0:48 / /var/lib/zfs-csi/mounts/v1 rw,noatime shared:52 - zfs tank/k8s/v1 rw,xattr,noacl',
  '96 29 0:49 / /var/lib/zfs-csi/mounts/v2 rw,noatime shared:53 - zfs tank/k8s/v2 rw,xattr,noacl',
  '1201 29 0:48 / /var/lib/kubelet/pods/p1/volumes/kubernetes.io~csi/v1/mount rw,noatime shared:52 - zfs tank/k8s/v1 rw,xattr,noacl',
  '1202 29 0:48 / /var/lib/kubelet/pods/p2/volumes/kubernetes.io~csi/v1/mount ro,noatime shared:52 - zfs tank/k8s/v1 rw,xattr,noacl',
  '1203 29 0:49 /sub /var/lib/kubelet/pods/p3/volumes/kubernetes.io~csi/v2/mount rw,noatime shared:53 - zfs tank/k8s/v2 rw,xattr,noacl',
].join('\n');

/** Plain directories: an ext4 subdirectory bound twice, a tmpfs bound once, and a stacked mount. */
export const PLAIN_TABLE = [
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  '50 27 254:0 /srv/data /mnt/a rw,relatime - ext4 /dev/vda rw',
  '51 27 254:0 /srv/data /mnt/b ro,relatime master:7 propagate_from:3 - ext4 /dev/vda rw',
  '52 27 254:0 /srv /mnt/parent rw,relatime - ext4 /dev/vda rw',
  '60 27 0:60 / /run/src rw,nosuid - tmpfs tmpfs rw,size=1024k',
  '61 27 0:60 / /mnt/t rw,nosuid - tmpfs tmpfs rw,size=1024k',
  '70 27 0:60 / /mnt/stacked rw - tmpfs tmpfs rw',
  '71 70 0:70 / /mnt/stacked rw - tmpfs other rw',
].join('\n');

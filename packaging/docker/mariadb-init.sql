-- Run by the MariaDB image once, when its data volume is first initialised (after it created the
-- fllc database and user from MARIADB_DATABASE / MARIADB_USER).
-- `fllc-server restore-drill` restores the newest backup into a scratch database beside the site's
-- (fllc_drill_<random>) and drops it again: fllc may create and drop those, and no other database.
GRANT ALL PRIVILEGES ON `fllc\_drill\_%`.* TO 'fllc'@'%';

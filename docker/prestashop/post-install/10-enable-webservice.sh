#!/bin/bash
# Runs once inside the prestashop container after the automatic install (the image's post-install hook).
# Enables the legacy webservice and creates the bridge's test key with every permission the contract suite needs.
# Only a test harness may do this: the bridge itself never touches the store's database.
set -euo pipefail
cd /var/www/html

KEY="${BRIDGE_WS_KEY:-BRIDGEDEVKEY00000000000000000000}"
if [ "${#KEY}" -ne 32 ]; then
  echo "BRIDGE_WS_KEY must be exactly 32 characters" >&2
  exit 1
fi

# The webservice ships disabled: every call answers 503 with code 22 until PS_WEBSERVICE=1.
php bin/console prestashop:config set PS_WEBSERVICE --value 1

# /api/ is routed to webservice/dispatcher.php by .htaccess; regenerate it in case the install did not write the rule.
php -r 'define("_PS_ADMIN_DIR_", getcwd() . "/admin-dev"); require "config/config.inc.php"; Tools::generateHtaccess();' \
  || echo "warning: could not regenerate .htaccess" >&2

BRIDGE_WS_KEY="$KEY" php <<'PHP'
<?php
// Key, key-to-shop link (without it: 403 code 132) and one permission row per resource and method.
$prefix = getenv('DB_PREFIX') ?: 'ps_';
$pdo = new PDO(
    sprintf('mysql:host=%s;port=%s;dbname=%s;charset=utf8mb4', getenv('DB_SERVER'), getenv('DB_PORT') ?: '3306', getenv('DB_NAME')),
    getenv('DB_USER'), getenv('DB_PASSWD'), [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]
);
$key = getenv('BRIDGE_WS_KEY');
$pdo->prepare("DELETE FROM {$prefix}webservice_account WHERE `key` = ?")->execute([$key]);
$pdo->prepare("INSERT INTO {$prefix}webservice_account (`key`, description, class_name, is_module, module_name, active)
               VALUES (?, 'PrestaShop bridge contract suite', 'WebserviceRequest', 0, NULL, 1)")->execute([$key]);
$id = (int) $pdo->lastInsertId();
$pdo->prepare("INSERT INTO {$prefix}webservice_account_shop (id_webservice_account, id_shop) VALUES (?, 1)")->execute([$id]);
$resources = ['products', 'stock_availables', 'orders', 'order_states', 'order_histories', 'order_carriers',
              'languages', 'configurations', 'categories', 'taxes', 'tax_rules', 'tax_rule_groups'];
$insert = $pdo->prepare("INSERT INTO {$prefix}webservice_permission (resource, method, id_webservice_account) VALUES (?, ?, ?)");
foreach ($resources as $resource) {
    foreach (['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as $method) {
        $insert->execute([$resource, $method, $id]);
    }
}
echo "webservice key {$id} created with " . count($resources) . " resources\n";
PHP
